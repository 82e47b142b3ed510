"""IPython extension: ``%load_ext jupyter_privacy`` registers the privacy magics in the kernel."""

from __future__ import annotations

from typing import Any

from .magics import PrivacyMagics

__all__ = ["PrivacyMagics", "load_ipython_extension", "unload_ipython_extension"]


def load_ipython_extension(ipython: Any) -> None:
    """Register the privacy magics on ``ipython`` (an ``InteractiveShell``)."""
    ipython.register_magics(PrivacyMagics)


def unload_ipython_extension(ipython: Any) -> None:
    """Remove the privacy magics again (``%unload_ext jupyter_privacy``)."""
    magics = ipython.magics_manager.magics
    registered = ipython.magics_manager.registry.pop(PrivacyMagics.__name__, None)
    if registered is None:
        return
    for kind, names in PrivacyMagics.magics.items():
        for name in names:
            magics[kind].pop(name, None)
