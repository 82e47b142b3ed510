"""Where an event happens: notebook path, kernel id, and the cell being run.

Cell tracking is a ``pre_run_cell`` callback that only stores a reference to the cell's text; the
SHA-256 of the code is computed when an event actually needs it, so ordinary cells pay nothing
beyond one small object.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_NOTEBOOK = "JUPYTER_PRIVACY_NOTEBOOK"


@dataclass
class CellContext:
    cell_id: str | None = None
    execution_count: int | None = None
    code: str | None = field(default=None, repr=False)
    _sha: str | None = field(default=None, repr=False)

    @property
    def code_sha256(self) -> str | None:
        if self.code is None:
            return None
        if self._sha is None:
            self._sha = hashlib.sha256(self.code.encode("utf-8")).hexdigest()
        return self._sha


def kernel_id() -> str | None:
    """The kernel's id from its connection file name (``kernel-<id>.json``), when run by Jupyter."""
    try:
        from ipykernel.connect import get_connection_file

        name = Path(get_connection_file()).name
    except Exception:
        return None
    match = re.match(r"kernel-(.+)\.json$", name)
    return match.group(1) if match else None


def notebook_path(shell: Any | None = None) -> str:
    """The absolute path of the running notebook (or script), as the processing log names it.

    Order: ``JUPYTER_PRIVACY_NOTEBOOK`` (set by tests, papermill users or the server), then
    ``JPY_SESSION_NAME`` (set by jupyter_server when it starts the kernel; the kernel's working
    directory is the notebook's folder), then VS Code's ``__vsc_ipynb_file__``, then the script.
    """
    explicit = os.environ.get(ENV_NOTEBOOK)
    if explicit:
        return str(Path(explicit).expanduser().resolve())
    session = os.environ.get("JPY_SESSION_NAME")
    if session:
        p = Path(session)
        return str(p if p.is_absolute() else (Path.cwd() / p.name).resolve())
    if shell is not None:
        vsc = shell.user_ns.get("__vsc_ipynb_file__")
        if isinstance(vsc, str):
            return str(Path(vsc).resolve())
    if shell is None and sys.argv and sys.argv[0] and Path(sys.argv[0]).exists():
        return str(Path(sys.argv[0]).resolve())
    return str((Path.cwd() / "untitled-session").resolve())
