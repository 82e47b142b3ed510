"""IPython extension: ``%load_ext jupyter_privacy``.

Loading it creates this kernel's :class:`PrivacySession` (policy, processing log, key), registers
the ``%privacy_*`` magics, tracks cells (``pre_run_cell``), installs lineage tracking, and -- when
the policy says so -- intercepts plain pandas readers. Admins load it in every kernel with an
IPython startup config (see docs/admin-guide.md): ``c.InteractiveShellApp.extensions = ["jupyter_privacy"]``.
"""

from __future__ import annotations

from typing import Any

from .context import CellContext
from .interception import Interception
from .lineage import Lineage
from .magics import PrivacyMagics
from .openlineage_live import LiveLineage
from .session import PrivacySession, current_session, set_session

__all__ = [
    "PrivacyMagics",
    "PrivacySession",
    "current_session",
    "load_ipython_extension",
    "unload_ipython_extension",
]

_STATE: dict[str, Any] = {}


def load_ipython_extension(ipython: Any) -> None:
    """Start the privacy session of this kernel (idempotent)."""
    if _STATE and _STATE["shell"] is ipython:
        return
    session = PrivacySession(ipython)
    set_session(session)
    session.cell = _current_cell(ipython)
    session.start()  # fails loudly here if the processing log cannot be opened
    lineage = Lineage(session)
    lineage.install()
    interception = None
    if session.policy.interception.enabled:
        interception = Interception(session, list(session.policy.interception.readers))
        interception.install()

    def pre_run_cell(info: Any) -> None:
        code = getattr(info, "raw_cell", None)
        # IPython has already advanced the counter when pre_run_cell fires: In[n] runs with n + 1
        count = ipython.execution_count - 1 if getattr(info, "store_history", False) else None
        session.cell = CellContext(cell_id=getattr(info, "cell_id", None), execution_count=count, code=code)
        # a cell that imports scikit-learn or joblib and fits/dumps in the same breath: hook them first
        if code and ("sklearn" in code or "joblib" in code):
            lineage.import_and_hook(code)

    live = LiveLineage(session) if session.policy.openlineage.enabled else None

    def post_run_cell(_result: Any) -> None:
        if lineage.outputs or lineage.fits:
            lineage.flush(ipython.user_ns)
        lineage.hook_modules()
        if live is not None:
            live.emit()

    ipython.events.register("pre_run_cell", pre_run_cell)
    ipython.events.register("post_run_cell", post_run_cell)
    ipython.register_magics(PrivacyMagics)
    _STATE.update(
        shell=ipython,
        session=session,
        lineage=lineage,
        interception=interception,
        hooks=(("pre_run_cell", pre_run_cell), ("post_run_cell", post_run_cell)),
    )
    _warm_up()


def _current_cell(ipython: Any) -> CellContext:
    """The cell running ``%load_ext`` (its hooks are not registered yet), from the kernel's request."""
    kernel = getattr(ipython, "kernel", None)
    try:
        parent = kernel.get_parent() if kernel is not None else None
    except Exception:
        parent = None
    if not parent or parent.get("msg_type") != "execute_request":
        return CellContext()
    return CellContext(
        cell_id=(parent.get("metadata") or {}).get("cellId"),
        execution_count=ipython.execution_count - 1,
        code=(parent.get("content") or {}).get("code"),
    )


def _warm_up() -> None:
    """Build the recognisers and lexicons now, so the first load is not slowed by one-time setup."""
    import pandas as pd

    from ..detect.headers import match_header
    from ..detect.recognizers import builtin_recognizers
    from ..detect.vocab import special_category_matches
    from ..mask import tokens  # noqa: F401  (imports polars and its hash plugin)

    for recognizer in builtin_recognizers():
        # build each one now (imports presidio; libphonenumber loads its region tables on first use)
        recognizer.matches("0000000", whole=True)
    match_header("email")
    special_category_matches(pd.Series([1], index=["x"]))


def unload_ipython_extension(ipython: Any) -> None:
    """Undo everything ``load_ipython_extension`` did (``%unload_ext jupyter_privacy``)."""
    if not _STATE or _STATE["shell"] is not ipython:
        return
    for event, fn in _STATE["hooks"]:
        ipython.events.unregister(event, fn)
    _STATE["lineage"].uninstall()
    if _STATE["interception"] is not None:
        _STATE["interception"].uninstall()
    magics = ipython.magics_manager.magics
    ipython.magics_manager.registry.pop(PrivacyMagics.__name__, None)
    for kind, names in PrivacyMagics.magics.items():
        for name in names:
            magics[kind].pop(name, None)
    set_session(None)
    _STATE.clear()
