"""The end of a kernel session is logged (``session_end``), so nobody reads a dead kernel's state as live.

A kernel keeps its purpose, grants and loaded frames in memory; when it shuts down (Kernel > Restart or
Shut Down, or the interpreter exiting) they are gone. Without a record of that, the sidebar would keep
showing the old purpose and "unmasked" chips until the extension is loaded again in the new kernel.
A kernel that is killed outright (SIGKILL) cannot log its end; the server then shows its session as ended
once its process is gone (``session_start`` carries the pid, see ``server/live_kernel.py``), and the next
``session_start`` of the notebook starts a fresh state.
"""

from __future__ import annotations

import atexit
import sys
from collections.abc import Callable

from .context import CellContext
from .session import PrivacySession

SESSION_END = "session_end"


def log_session_end(session: PrivacySession) -> None:
    """Append ``session_end`` if the session logged anything, then close its store."""
    if session.started:
        session.cell = CellContext()  # not the last cell: the kernel itself is ending
        try:
            session.log(SESSION_END, {"reason": "kernel shutdown"})
        except Exception as exc:  # at interpreter exit only stderr is left to say it
            print(
                f"jupyter_privacy: the end of this kernel session could not be logged ({type(exc).__name__})",
                file=sys.stderr,
            )
    session.close()


def on_exit(session: PrivacySession) -> Callable[[], None]:
    """Log the session's end when the interpreter exits; returns the function that undoes this."""

    def end() -> None:
        log_session_end(session)

    atexit.register(end)
    return lambda: atexit.unregister(end)
