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
from .models import ModelHooks
from .openlineage_live import LiveLineage
from .raw_outputs import RawOutputs
from .session import PrivacySession, current_session, set_session
from .shutdown import on_exit
from .ungoverned import UngovernedReads

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
    raw_outputs = RawOutputs(session, ipython)
    raw_outputs.install()
    lineage = Lineage(session)
    lineage.raw_columns = raw_outputs.columns_holding_raw
    lineage.spark_grants_shown = raw_outputs.spark_grants_shown
    lineage.raw_grants_in = raw_outputs.grants_in_data
    lineage.raw_output = raw_outputs.remember_raw_output
    lineage.install()
    models = ModelHooks(session, lineage, raw_outputs)
    models.install()
    ungoverned = UngovernedReads(session)
    ungoverned.install()
    ungoverned.watch_shell(ipython)
    interception = None
    if session.policy.interception.enabled:
        interception = Interception(session, list(session.policy.interception.readers))
        interception.install()

    def pre_run_cell(info: Any) -> None:
        code = getattr(info, "raw_cell", None)
        # IPython has already advanced the counter when pre_run_cell fires: In[n] runs with n + 1
        count = ipython.execution_count - 1 if getattr(info, "store_history", False) else None
        session.cell = CellContext(cell_id=getattr(info, "cell_id", None), execution_count=count, code=code)
        # a cell that imports joblib, PySpark or a model library and dumps/writes/fits in the same breath
        # (jp.load(..., engine="spark") starts Spark itself): hook them first
        if code and ("joblib" in code or "spark" in code):
            lineage.import_and_hook(code)
        models.before_cell(code, ipython.user_ns)
        if code and ("pyarrow" in code or "polars" in code):
            ungoverned.prepare_cell(code)
        if code and ("!" in code or "%" in code):
            ungoverned.shell_cell(code)  # !head data.csv prints raw rows from another process

    live = LiveLineage(session) if session.policy.openlineage.enabled else None

    def post_run_cell(_result: Any) -> None:
        models.after_cell(ipython.user_ns)  # first: a model dumped in this cell is known as a model
        if lineage.outputs or lineage.fits:
            lineage.flush(ipython.user_ns)
        lineage.hook_modules()
        if ungoverned.pending:
            ungoverned.flush()
        ungoverned.hook_modules()
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
        raw_outputs=raw_outputs,
        models=models,
        ungoverned=ungoverned,
        hooks=(("pre_run_cell", pre_run_cell), ("post_run_cell", post_run_cell)),
        forget_exit=on_exit(session),
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
    """Do the one-time set-up now, so that the first load in the kernel is not slowed by it.

    Scanning and masking a small made-up table builds every recogniser (importing presidio), makes
    libphonenumber load the region tables it uses, compiles the pandas/Arrow regular expressions,
    and starts polars' thread pool and its hash plugin.
    """
    import pandas as pd

    from ..detect.engine import scan_dataframe
    from ..detect.recognizers import builtin_recognizers
    from ..mask.keys import MaskingKey
    from ..mask.tokens import pseudonymise
    from ..policy import default_policy

    for recognizer in builtin_recognizers():
        recognizer.matches("0000000", whole=True)
    people = pd.DataFrame(
        {
            "name": ["Ann Example", "Bo Sample", "Cy Person", "Di Tester"],
            "email": ["ann@example.org", "bo@example.net", "cy@example.com", "di@example.org"],
            "phone": ["(201) 555-0143", "+44 20 7946 0958", "212.555.0199x12", "+31 6 12345678"],
            "ssn": ["078-05-1120", "219-09-9999", "457-55-5462", "123-45-6789"],
            "street": ["1 Main Street", "22 Elm Road", "3 Oak Avenue", "4 Pine Lane"],
            "diagnosis": ["E11.9", "J45.909", "I10", "F32.A"],
            "amount": [1.5, 2.5, 3.5, 4.5],
        }
    )
    scan_dataframe(people, default_policy())
    pseudonymise(people["email"], "EMAIL_ADDRESS", MaskingKey("w" * 64, "warm-up"))


def unload_ipython_extension(ipython: Any) -> None:
    """Undo everything ``load_ipython_extension`` did (``%unload_ext jupyter_privacy``)."""
    if not _STATE or _STATE["shell"] is not ipython:
        return
    for event, fn in _STATE["hooks"]:
        ipython.events.unregister(event, fn)
    _STATE["forget_exit"]()
    _STATE["lineage"].uninstall()
    _STATE["models"].uninstall()
    _STATE["raw_outputs"].uninstall()
    _STATE["ungoverned"].uninstall()
    if _STATE["interception"] is not None:
        _STATE["interception"].uninstall()
    magics = ipython.magics_manager.magics
    ipython.magics_manager.registry.pop(PrivacyMagics.__name__, None)
    for kind, names in PrivacyMagics.magics.items():
        for name in names:
            magics[kind].pop(name, None)
    set_session(None)
    _STATE.clear()
