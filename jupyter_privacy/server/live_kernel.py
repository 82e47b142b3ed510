"""Is the kernel session a notebook's state shows still running? A killed kernel logs no ``session_end``.

A kernel logs its end when it shuts down (Kernel > Restart or Shut Down), and the sidebar then shows no
purpose and no grants. A kernel killed outright (out of memory, SIGKILL, a hung kernel that the server
kills on restart) cannot: its purpose and "unmasked" chips would stay on screen although the process
that held them is gone. ``session_start`` records the kernel's process id; when the server runs the
notebook's kernel itself and that kernel's process is dead or another one, the state is shown as ended.
Kernels the server cannot look into (remote kernels, no session for the notebook) are left as logged.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from jupyter_core.utils import ensure_async


async def without_dead_kernel(
    state: dict[str, Any], api_path: str, session_manager: Any, kernel_manager: Any
) -> dict[str, Any]:
    """``state``, or the state of a notebook whose kernel session ended, when its process is gone."""
    session = state.get("session") or {}
    pid = session.get("pid")
    if not pid or session.get("ended"):
        return state
    live = await _running_pid(api_path, session_manager, kernel_manager)
    if live is None or live == pid:
        return state
    ended = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return {
        **state,
        "purpose": None,
        "datasets": [],
        "grants": [],
        "denials": [],
        "ungoverned_reads": [],
        "session": {**session, "ended": ended, "ended_how": "kernel process gone (its end was not logged)"},
    }


async def _running_pid(api_path: str, session_manager: Any, kernel_manager: Any) -> int | None:
    """The process id of the kernel the server runs for the notebook (0: its process has exited), or
    None when the server runs none or cannot tell."""
    try:
        sessions = await ensure_async(session_manager.list_sessions())
    except Exception:
        return None
    for session in sessions:
        kernel = session.get("kernel") or {}
        if session.get("path") != api_path or not kernel.get("id"):
            continue
        try:
            process = kernel_manager.get_kernel(kernel["id"]).provisioner.process
        except (KeyError, AttributeError):
            return None
        if process is None or not hasattr(process, "poll"):
            return None
        return 0 if process.poll() is not None else int(process.pid)
    return None
