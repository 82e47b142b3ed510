"""A progress line for loads that take a while (more than about two seconds).

Quick loads show nothing extra. After ``JUPYTER_PRIVACY_PROGRESS_AFTER`` seconds (default 2) a line appears
under the cell naming the stage the load is in (reading, scanning, masking, logging) and the time so far;
it is updated in place as the stages change, and says how long the load took at the end. The line names
only the source and the stage, never a value.
"""

from __future__ import annotations

import contextvars
import os
import threading
import time
from types import TracebackType
from typing import Any

from IPython.display import display

DEFAULT_AFTER = 2.0


def _after() -> float:
    try:
        return max(0.0, float(os.environ.get("JUPYTER_PRIVACY_PROGRESS_AFTER", DEFAULT_AFTER)))
    except ValueError:
        return DEFAULT_AFTER


class LoadProgress:
    """Context manager around one load; :meth:`stage` is the session's progress callback."""

    def __init__(self, label: str, after: float | None = None) -> None:
        self.label = label
        self.after = _after() if after is None else after
        self.current = "reading"
        self._start = 0.0
        self._handle: Any = None
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._closed = False

    def __enter__(self) -> LoadProgress:
        self._start = time.monotonic()
        # the kernel routes output by the executing cell's context: the timer thread runs in a copy of it
        context = contextvars.copy_context()
        self._timer = threading.Timer(self.after, context.run, args=(self._show,))
        self._timer.daemon = True
        self._timer.start()
        return self

    def stage(self, name: str) -> None:
        with self._lock:
            self.current = name
            if self._handle is not None:
                self._handle.update(self._bundle(f"{name}..."), raw=True)

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._timer is not None
        self._timer.cancel()
        with self._lock:
            self._closed = True
            if self._handle is not None:
                outcome = "done" if kind is None else "stopped"
                self._handle.update(
                    self._bundle(f"{outcome} in {time.monotonic() - self._start:.1f} s"), raw=True
                )

    def _show(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._handle = display(self._bundle(f"{self.current}..."), raw=True, display_id=True)

    def _bundle(self, state: str) -> dict[str, str]:
        text = f"jupyter-privacy: loading {self.label}: {state}"
        return {"text/plain": text}
