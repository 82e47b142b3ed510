"""Loaded in every kernel by the admin's IPython configuration; starts jupyter-privacy if the policy says so.

The admin installs, e.g. as ``/etc/ipython/ipython_kernel_config.py`` (all users) or
``{sys.prefix}/etc/ipython/ipython_kernel_config.py`` (one environment)::

    c.InteractiveShellApp.extensions = ["jupyter_privacy.kernel.autoload"]

and sets ``kernel: {autoload: true}`` in the policy. With ``autoload: false`` (or no policy) the
kernel starts as usual and users can still run ``%load_ext jupyter_privacy``; a ``%privacy_*`` magic used
before that says so instead of IPython's bare "Line magic function not found".
"""

from __future__ import annotations

import sys
from typing import Any


def load_ipython_extension(ipython: Any) -> None:
    from ..policy import PolicyError, load_policy

    _hint_load_ext(ipython)
    try:
        loaded = load_policy()
    except PolicyError as exc:
        # a broken admin policy must be visible in the kernel, not silently skipped
        print(
            f"jupyter-privacy: the admin policy cannot be used, privacy extension NOT started:\n{exc}",
            file=sys.stderr,
        )
        return
    if loaded.policy.kernel.autoload:
        from . import load_ipython_extension as start

        start(ipython)


LOAD_EXT_HINT = (
    "jupyter-privacy is not loaded in this kernel (the admin policy does not autoload it): "
    "run `%load_ext jupyter_privacy` first."
)


def _hint_load_ext(ipython: Any) -> None:
    """Make an unknown ``%privacy_*`` magic say how to load the extension (other usage errors unchanged)."""
    from IPython.core.error import UsageError

    def handler(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None) -> None:
        text = str(value)
        if "privacy_" in text and "not found" in text:
            shell.show_usage_error(UsageError(f"{text}\n{LOAD_EXT_HINT}"))
        else:
            shell.show_usage_error(value)

    ipython.set_custom_exc((UsageError,), handler)
