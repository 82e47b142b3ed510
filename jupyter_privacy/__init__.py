"""jupyter-privacy: privacy governance for Jupyter notebooks.

Public Python API (kept importable without JupyterLab running):

- :func:`scan` -- classify the columns of a DataFrame (direct identifiers, special categories,
  quasi-identifiers) without returning any raw value.
- :func:`load_policy` -- load and validate the admin policy from the admin locations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

try:
    from ._version import __version__
except ImportError:  # running from a source tree that was never built
    __version__ = "0.0.0+unknown"

if TYPE_CHECKING:
    import pandas as pd

    from .detect.findings import ScanResult
    from .policy import LoadedPolicy, Policy

__all__ = ["__version__", "load_policy", "scan"]


def scan(
    df: pd.DataFrame, policy: Policy | LoadedPolicy | None = None, *, source: str | None = None
) -> ScanResult:
    """Classify every column of ``df``; see :func:`jupyter_privacy.detect.scan_dataframe`."""
    from .detect import scan_dataframe

    return scan_dataframe(df, policy=policy, source=source)


def load_policy(path: str | None = None) -> LoadedPolicy:
    """Load the admin policy (or the built-in default); see :func:`jupyter_privacy.policy.load_policy`."""
    from .policy import load_policy as _load

    return _load(path)


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "jupyter-privacy"}]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .server import _load_jupyter_server_extension  # noqa: F401  (import check only)

    return [{"module": "jupyter_privacy.server"}]


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext jupyter_privacy``: register the privacy magics in this kernel."""
    from .kernel import load_ipython_extension as _load

    _load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    from .kernel import unload_ipython_extension as _unload

    _unload(ipython)
