"""The commands a Spark SQL script (``spark.sql("BEGIN ... END")``) ran, for logging its writes.

Spark 4 runs SQL scripts by default (``spark.sql.scripting.enabled``). The frame ``spark.sql`` returns
for one is its last statement's result, so the writes inside (``CREATE TABLE ... AS SELECT``,
``INSERT ...``), possibly in branches and loops, are not in its plan (:mod:`.spark_sql` reads that plan).
While a script runs, a Spark ``QueryExecutionListener`` (a Python object behind Py4J's callback server,
as PySpark's own streaming listeners are) keeps the query execution of each command Spark finished;
after it, Spark's listener bus is drained, so every command that ran is known, and only those: a
statement in a branch not taken never ran, and a statement after a failing one neither.

The listener hears every command of the session, also another thread's (which its own hook logs too):
a statement or ``df.write`` of another thread waits while a script runs, and a script for the statements
and writes running (:data:`STATEMENTS`).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

_SCRIPT = re.compile(r"^\s*(?:(?:--[^\n]*\n|/\*.*?\*/)\s*)*(?:[A-Za-z_]\w*\s*:\s*)?BEGIN\b", re.I | re.S)
_IMMEDIATE = re.compile(r"^\s*(?:(?:--[^\n]*\n|/\*.*?\*/)\s*)*EXECUTE\s+IMMEDIATE\b", re.I | re.S)
_LISTENER = "org.apache.spark.sql.util.QueryExecutionListener"
# what Spark names a statement's command when it reports it: "command", or a DataSource V2 write's verb
# (``INSERT INTO catalog.db.t`` is "append"); the write inside a CTAS is "inner data writing for CTAS/RTAS"
_STATEMENTS = frozenset({"command", "append", "overwrite", "overwritePartitions", "create", "replace"})
_LOG = logging.getLogger(__name__)


def is_script(text: Any) -> bool:
    """Whether ``text`` is a SQL script (a compound statement, maybe labelled: ``name: BEGIN ... END``)."""
    return isinstance(text, str) and _SCRIPT.match(text) is not None


def is_immediate(text: Any) -> bool:
    """Whether ``text`` is an ``EXECUTE IMMEDIATE`` (Spark 4.3 runs a script handed to one, then fails:
    ``SQL_SCRIPT_IN_EXECUTE_IMMEDIATE``)."""
    return isinstance(text, str) and _IMMEDIATE.match(text) is not None


class _Commands:
    """A ``QueryExecutionListener``: keeps the analysed plan of each command that succeeded."""

    def __init__(self) -> None:
        self.plans: list[Any] = []

    def onSuccess(self, func_name: str, qe: Any, _duration: int) -> None:
        if func_name in _STATEMENTS:  # a statement's own command (not the write a CTAS runs inside)
            self.plans.append(qe.analyzed())

    def onFailure(self, func_name: str, qe: Any, exception: Any) -> None:
        return None

    class Java:
        implements: ClassVar[list[str]] = [_LISTENER]  # what Py4J exposes it as


class _Statements:
    """The session's ``spark.sql`` calls: many statements at once, or one script alone."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._running = 0
        self._script: int | None = None  # the thread running a script

    @contextmanager
    def statement(self) -> Iterator[None]:
        """A statement that is not a script, or a ``df.write``: waits while another thread's script runs."""
        me = threading.get_ident()
        with self._changed:
            self._changed.wait_for(lambda: self._script in (None, me))
            self._running += 1
        try:
            yield
        finally:
            with self._changed:
                self._running -= 1
                self._changed.notify_all()

    @contextmanager
    def script(self) -> Iterator[None]:
        """A script: waits for the statements and the script running, then runs alone."""
        with self._changed:
            self._changed.wait_for(lambda: self._script is None and self._running == 0)
            self._script = threading.get_ident()
        try:
            yield
        finally:
            with self._changed:
                self._script = None
                self._changed.notify_all()


STATEMENTS = _Statements()


class ScriptCommands:
    """Listen to ``spark``'s commands from now until :meth:`finish`."""

    def __init__(self, spark: Any) -> None:
        from pyspark import SparkContext
        from pyspark.java_gateway import ensure_callback_server_started

        ensure_callback_server_started(SparkContext._gateway)
        self._spark = spark
        self._listener = _Commands()
        spark._jsparkSession.listenerManager().register(self._listener)

    def finish(self) -> list[Any]:
        """The analysed plans of the commands the script ran (Spark's listener bus drained first)."""
        try:
            self._spark.sparkContext._jsc.sc().listenerBus().waitUntilEmpty()
        except Exception as exc:  # events not all delivered: some writes may go unlogged, say so
            _LOG.warning(
                "jupyter-privacy: Spark did not report every command of a SQL script in time (%s); writes "
                "inside it may be missing from the processing log",
                type(exc).__name__,
            )
        finally:
            self._spark._jsparkSession.listenerManager().unregister(self._listener)
        return list(self._listener.plans)
