"""Py4J's debug log silenced while the key crosses to the JVM; PySpark's pandas-version warning
silenced inside this package's own Spark calls.

Py4J logs every command it sends at DEBUG (``Command to send: ...``), byte arrays in base64: the key
handed to the JVM token function, or the pickled masking closures that hold it, would be written to
whatever handler a notebook's ``logging.basicConfig(level=logging.DEBUG)`` set up (and so into the
saved notebook). Inside :func:`py4j_quiet` Py4J's loggers are disabled; nested and concurrent uses
are counted, so the first to enter and the last to leave decide.

Spark Connect's client sends the plan itself, the pickled closures inside, whenever a frame runs (not
only while it is built), and its debug log writes each plan: a filter on that logger
(:func:`guard_connect_log`) withholds every record quoting a plan with this package's keyed functions.
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


CONNECT_LOGGER = "pyspark.sql.connect.logging"
"""The Spark Connect client's logger (on at ``SPARK_CONNECT_LOG_LEVEL=debug``): it writes every plan it
sends, and a governed frame's plan holds the pickled masking functions, the key inside them."""
KEYED_FUNCTIONS = ("jp_mask_ds-", "jp_fingerprints", "jp_raw_index", "MaskingKey")
WITHHELD = "(a plan holding jupyter-privacy's keyed functions: not logged, it carries the masking key)"


class KeyedPlanFilter(logging.Filter):
    """Replaces a Connect client log record that quotes a plan holding this package's keyed functions
    (their names, or the pickled key's class) with a note: the key must not reach a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a record that cannot be rendered is not ours to judge
            return True
        if any(name in message for name in KEYED_FUNCTIONS):
            record.msg, record.args, record.exc_info, record.exc_text = WITHHELD, (), None, None
        return True


def guard_connect_log() -> None:
    """Put :class:`KeyedPlanFilter` on the Spark Connect client's logger (once; a no-op without it)."""
    import sys

    if "pyspark.sql.connect.logging" not in sys.modules:
        return
    logger = logging.getLogger(CONNECT_LOGGER)
    if not any(isinstance(f, KeyedPlanFilter) for f in logger.filters):
        logger.addFilter(KeyedPlanFilter())
