"""Py4J's debug log silenced while the key crosses to the JVM; PySpark's pandas-version warning
silenced inside this package's own Spark calls.

Py4J logs every command it sends at DEBUG (``Command to send: ...``), byte arrays in base64: the key
handed to the JVM token function, or the pickled masking closures that hold it, would be written to
whatever handler a notebook's ``logging.basicConfig(level=logging.DEBUG)`` set up (and so into the
saved notebook). Inside :func:`py4j_quiet` Py4J's loggers are disabled; nested and concurrent uses
are counted, so the first to enter and the last to leave decide.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

PY4J_LOGGERS = ("py4j.clientserver", "py4j.java_gateway")
_LOCK = threading.Lock()
_depth = 0
_saved: dict[str, bool] = {}


@contextmanager
def py4j_quiet() -> Iterator[None]:
    """Py4J's loggers disabled for the duration (restored as they were)."""
    global _depth
    with _LOCK:
        if _depth == 0:
            for name in PY4J_LOGGERS:
                logger = logging.getLogger(name)
                _saved[name], logger.disabled = logger.disabled, True
        _depth += 1
    try:
        yield
    finally:
        with _LOCK:
            _depth -= 1
            if _depth == 0:
                for name in PY4J_LOGGERS:
                    logging.getLogger(name).disabled = _saved.pop(name)


PANDAS_WARNING = "PySpark does not yet fully support pandas"
"""PySpark 4.1 warns (FutureWarning) on its first Arrow or pandas call when pandas is 3.x."""


@contextmanager
def pandas_warning_quiet() -> Iterator[None]:
    """PySpark's pandas-version warning not shown for this package's Spark calls (its Arrow UDFs,
    sample and fingerprints, tested with the pandas installed here): a load would print it as if the
    notebook had done something wrong. The notebook's own PySpark calls still get it."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=PANDAS_WARNING, category=FutureWarning)
        yield
