"""Writes made in Spark SQL (``spark.sql("INSERT INTO t SELECT * FROM governed_view")``, ``CREATE TABLE
... AS SELECT``, ``INSERT OVERWRITE DIRECTORY``): logged as ``output_written`` like ``df.write`` ones.

Spark runs such a command when ``spark.sql`` returns; the analysed plan of the frame it returns is the
command over its query, in which a governed frame's marks (:mod:`.spark_marks`) are kept, also through
temporary views. A SQL script (``BEGIN ... END``) returns only its last result: the commands it ran are
collected while it runs (:mod:`.spark_sql_scripts`). Only the command's target (a table name or a
folder) is logged, never the SQL text (it may quote values). On Spark Connect the command's plan stays on the server: such writes are not
logged, and a warning says so once (when a Spark dataset is loaded and the statement writes).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .spark_marks import java_items, plan_datasets_of
from .spark_revoked import refuse_revoked
from .spark_sql_scripts import STATEMENTS, ScriptCommands, is_immediate, is_script
from .spark_variables import remember_plan, remember_variables
from .spark_views import refused_view

if TYPE_CHECKING:
    from .lineage import Lineage

# Spark's write commands (data source, Hive, and DataSource V2 plans)
WRITE_COMMANDS = frozenset(
    {
        "CreateDataSourceTableAsSelectCommand",
        "InsertIntoHadoopFsRelationCommand",
        "InsertIntoDataSourceCommand",
        "InsertIntoDataSourceDirCommand",
        "CreateHiveTableAsSelectCommand",
        "OptimizedCreateHiveTableAsSelectCommand",
        "InsertIntoHiveTable",
        "InsertIntoHiveDirCommand",
        "AppendData",
        "OverwriteByExpression",
        "OverwritePartitionsDynamic",
        "CreateTableAsSelect",
        "ReplaceTableAsSelect",
        "MergeIntoTable",
    }
)


def sql_writer(lineage: Lineage) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Wrap ``SparkSession.sql``: a write command whose query reads governed frames is logged."""

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def sql(spark: Any, *args: Any, **kwargs: Any) -> Any:
            for value in kwargs.values():  # frames a statement formats in (``{df}``) that must not run
                refuse_revoked(lineage.session, value)
            text = args[0] if args else kwargs.get("sqlQuery")
            if type(spark).__module__.startswith("pyspark.sql.connect"):
                result = _run(lineage, original, spark, args, kwargs)
                _connect_write_warning(lineage, text)
                return result
            if lineage.session.datasets and is_script(text):
                return _run_script(lineage, original, spark, args, kwargs)
            if lineage.session.datasets and is_immediate(text):
                result = _run_immediate(lineage, original, spark, args, kwargs)
            else:
                with STATEMENTS.statement():  # not while another thread's script runs (its listener hears it)
                    result = _run(lineage, original, spark, args, kwargs)
            remember_variables(spark, result)  # SET VAR x = (SELECT ... FROM a raw view)
            written = _written(result)
            if written is not None:
                from .spark_lineage import frame_datasets

                _log(lineage, frame_datasets(lineage.session, result), *written)
            return result

        sql.__name__ = original.__name__
        sql.__doc__ = original.__doc__
        return sql

    return wrap


def _run(lineage: Lineage, original: Callable[..., Any], spark: Any, args: Any, kwargs: Any) -> Any:
    """``spark.sql`` itself; a failed command raises here (nothing is logged), a dropped view's with
    the reason (:mod:`.spark_views`)."""
    try:
        return original(spark, *args, **kwargs)
    except Exception as exc:
        refused = refused_view(lineage.session, spark, exc)
        if refused is None:
            raise
        raise refused from None


def _run_script(lineage: Lineage, original: Callable[..., Any], spark: Any, args: Any, kwargs: Any) -> Any:
    """A SQL script: each write command it ran is logged, also when a later statement failed."""
    plans: list[Any] = []
    try:
        return _listened(lineage, original, spark, args, kwargs, plans)
    finally:
        _log_ran(lineage, spark, plans)
        for plan in plans:
            remember_plan(spark, plan)  # a session variable the script set


def _run_immediate(lineage: Lineage, original: Callable[..., Any], spark: Any, args: Any, kwargs: Any) -> Any:
    """``EXECUTE IMMEDIATE``: when it fails, the writes it made first are logged (Spark 4.3 runs a script
    handed to it, then fails with ``SQL_SCRIPT_IN_EXECUTE_IMMEDIATE``: its writes went unlogged); when it
    succeeds, its command is logged from its result, as any statement's."""
    plans: list[Any] = []
    try:
        return _listened(lineage, original, spark, args, kwargs, plans)
    except Exception:
        _log_ran(lineage, spark, plans)
        raise


def _listened(
    lineage: Lineage, original: Callable[..., Any], spark: Any, args: Any, kwargs: Any, plans: list[Any]
) -> Any:
    """The statement run alone, with the script listener: ``plans`` gets the commands it ran, also when
    it fails."""
    with STATEMENTS.script():
        commands = ScriptCommands(spark)
        try:
            return _run(lineage, original, spark, args, kwargs)
        finally:
            plans += commands.finish()


def _log_ran(lineage: Lineage, spark: Any, plans: list[Any]) -> None:
    for plan, target, table in _outer(plans):
        _log(lineage, plan_datasets_of(plan, spark), plan, target, table, script=True)


_FILE_WRITE = "InsertIntoHadoopFsRelationCommand"


def _outer(plans: list[Any]) -> list[tuple[Any, str | None, bool]]:
    """The write commands among ``plans``, without the file write a directory insert runs inside it
    (Spark reports it first, as a command of its own, to the same folder)."""
    writes = [w for w in map(_command, plans) if w is not None]
    return [
        w
        for w, after in zip(writes, [*writes[1:], None], strict=False)
        if not (after and str(w[0].nodeName()) == _FILE_WRITE != str(after[0].nodeName()) and _same(w, after))
    ]


def _same(write: tuple[Any, str | None, bool], other: tuple[Any, str | None, bool]) -> bool:
    def folder(target: str | None) -> str:
        text = str(target)
        return text[len("file://") :] if text.startswith("file://") else text.removeprefix("file:")

    return folder(write[1]) == folder(other[1])


_SQL_WRITE = re.compile(
    r"^\s*(?:(?:--[^\n]*\n|/\*.*?\*/)\s*)*(INSERT|CREATE|REPLACE|MERGE|EXECUTE)\b", re.I | re.S
)
_LOG = logging.getLogger(__name__)
CONNECT_SQL_WARNING = (
    'jupyter-privacy: on Spark Connect, writes made in Spark SQL (spark.sql("INSERT ..."), CREATE TABLE ... '
    "AS SELECT, a BEGIN ... END script) are NOT logged: the command runs on the server, whose plan the "
    "notebook cannot read. Write governed data with df.write or df.writeTo(...) to have it logged."
)


def _connect_write_warning(lineage: Lineage, text: Any) -> None:
    """Spark Connect: a SQL write cannot be traced; said once per kernel, when one may write governed
    data (a Spark dataset is loaded and the statement starts with a write keyword, or is a script)."""
    if lineage.connect_sql_warned or not isinstance(text, str):
        return
    spark_loaded = any(d.engine == "spark" for d in list(lineage.session.datasets.values()))
    if spark_loaded and (_SQL_WRITE.match(text) or is_script(text)):  # a script may write too
        lineage.connect_sql_warned = True
        _LOG.warning(CONNECT_SQL_WARNING)


def _written(result: Any) -> tuple[Any, str | None, bool] | None:
    """(the command's plan, its target, whether the target is a table), when ``result`` is a write."""
    try:
        plan = result._jdf.queryExecution().analyzed()
    except Exception:  # Spark Connect, or not a frame
        return None
    return _command(plan)


def _command(plan: Any) -> tuple[Any, str | None, bool] | None:
    """(the command, its target, whether that is a table), when the analysed ``plan`` is a write."""
    try:
        if str(plan.nodeName()) == "CommandResult":  # EXECUTE IMMEDIATE 'INSERT ...': the command it ran
            plan = plan.commandLogicalPlan()
        if str(plan.nodeName()) not in WRITE_COMMANDS:
            return None
    except Exception:  # a plan of another shape: not a command this module knows
        return None
    for getter in _TABLES:
        table = _read(getter, plan)
        if table:
            return plan, table, True
    for getter in _FOLDERS:
        folder = _read(getter, plan)
        if folder:
            return plan, folder, False
    return plan, None, True


# where each command keeps its table (data source, Hive, DataSource V2), or its folder
_TABLES: tuple[Callable[[Any], Any], ...] = (
    lambda p: _v2_name(p.table().catalog().get(), p.table().identifier().get()),  # V2 INSERT
    lambda p: _v2_name(p.name().catalog(), p.name().identifier()),  # V2 CREATE TABLE ... AS SELECT
    lambda p: p.table().identifier(),
    lambda p: p.tableDesc().identifier(),
    lambda p: p.catalogTable().get().identifier(),
    lambda p: p.table().name(),
    lambda p: p.name().identifier(),
)
_FOLDERS: tuple[Callable[[Any], Any], ...] = (
    lambda p: p.outputPath(),
    lambda p: p.storage().locationUri().get(),
)


def _v2_name(catalog: Any, identifier: Any) -> str:
    """A DataSource V2 table by its catalog and identifier, as ``df.writeTo`` names it."""
    return f"{catalog.name()}.{identifier}"


def _read(getter: Callable[[Any], Any], plan: Any) -> str | None:
    try:
        value = getter(plan)
    except Exception:  # this command keeps it elsewhere
        return None
    try:
        return str(value.unquotedString())
    except Exception:
        return str(value)


def _log(
    lineage: Lineage, ids: list[str], plan: Any, target: str | None, table: bool, *, script: bool = False
) -> None:
    from .spark_lineage import log_output

    if not ids:
        return
    columns: list[str] = []
    for query in (lambda: plan.query(), lambda: plan.children().head()):
        try:
            columns = [str(a.name()) for a in java_items(query().output())]
            break
        except Exception:  # this command keeps its query elsewhere
            continue
    via = f"SparkSession.sql{' script' if script else ''} ({plan.nodeName()})"
    kind = "table" if table or target is None else "path"
    if kind == "path" and str(target).startswith("file:"):  # Spark's own URI of a local folder
        target = str(target)[len("file://") if str(target).startswith("file://") else len("file:") :]
    log_output(lineage.session, columns, target, ids, via, kind=kind)
