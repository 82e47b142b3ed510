"""Writes made in Spark SQL (``spark.sql("INSERT INTO t SELECT * FROM governed_view")``, ``CREATE TABLE
... AS SELECT``, ``INSERT OVERWRITE DIRECTORY``): logged as ``output_written`` like ``df.write`` ones.

Spark runs such a command when ``spark.sql`` returns; the analysed plan of the frame it returns is the
command over its query, in which a governed frame's marks (:mod:`.spark_marks`) are kept, also through
temporary views. Only the command's target (a table name or a folder) is logged, never the SQL text
(it may quote values). On Spark Connect the command's plan stays on the server: such writes are not
logged, and a warning says so once (when a Spark dataset is loaded and the statement writes).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .spark_marks import java_items
from .spark_revoked import refuse_revoked
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
            try:
                result = original(spark, *args, **kwargs)  # a failed command raises here: nothing is logged
            except Exception as exc:
                refused = refused_view(lineage.session, spark, exc)
                if refused is None:
                    raise
                raise refused from None
            if type(spark).__module__.startswith("pyspark.sql.connect"):
                _connect_write_warning(lineage, args[0] if args else kwargs.get("sqlQuery"))
                return result
            written = _written(result)
            if written is not None:
                _log(lineage, result, *written)
            return result

        sql.__name__ = original.__name__
        sql.__doc__ = original.__doc__
        return sql

    return wrap


_SQL_WRITE = re.compile(
    r"^\s*(?:(?:--[^\n]*\n|/\*.*?\*/)\s*)*(INSERT|CREATE|REPLACE|MERGE|EXECUTE)\b", re.I | re.S
)
_LOG = logging.getLogger(__name__)
CONNECT_SQL_WARNING = (
    'jupyter-privacy: on Spark Connect, writes made in Spark SQL (spark.sql("INSERT ..."), CREATE TABLE ... '
    "AS SELECT) are NOT logged: the command runs on the server, whose plan the notebook cannot read. Write "
    "governed data with df.write or df.writeTo(...) to have it logged."
)


def _connect_write_warning(lineage: Lineage, text: Any) -> None:
    """Spark Connect: a SQL write cannot be traced; said once per kernel, when one may write governed
    data (a Spark dataset is loaded and the statement starts with a write keyword)."""
    if lineage.connect_sql_warned or not isinstance(text, str):
        return
    spark_loaded = any(d.engine == "spark" for d in list(lineage.session.datasets.values()))
    if spark_loaded and _SQL_WRITE.match(text):
        lineage.connect_sql_warned = True
        _LOG.warning(CONNECT_SQL_WARNING)


def _written(result: Any) -> tuple[Any, str | None, bool] | None:
    """(the command's plan, its target, whether the target is a table), when ``result`` is a write."""
    try:
        plan = result._jdf.queryExecution().analyzed()
        if str(plan.nodeName()) == "CommandResult":  # EXECUTE IMMEDIATE 'INSERT ...': the command it ran
            plan = plan.commandLogicalPlan()
        if str(plan.nodeName()) not in WRITE_COMMANDS:
            return None
    except Exception:  # Spark Connect, or a plan of another shape: not a command this module knows
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


def _read(getter: Callable[[Any], Any], plan: Any) -> str | None:
    try:
        value = getter(plan)
    except Exception:  # this command keeps it elsewhere
        return None
    try:
        return str(value.unquotedString())
    except Exception:
        return str(value)


def _log(lineage: Lineage, result: Any, plan: Any, target: str | None, table: bool) -> None:
    from .spark_lineage import frame_datasets, log_output

    ids = frame_datasets(lineage.session, result)
    if not ids:
        return
    columns: list[str] = []
    for query in (lambda: plan.query(), lambda: plan.children().head()):
        try:
            columns = [str(a.name()) for a in java_items(query().output())]
            break
        except Exception:  # this command keeps its query elsewhere
            continue
    via = f"SparkSession.sql ({plan.nodeName()})"
    kind = "table" if table or target is None else "path"
    if kind == "path" and str(target).startswith("file:"):  # Spark's own URI of a local folder
        target = str(target)[len("file://") if str(target).startswith("file://") else len("file:") :]
    log_output(lineage.session, columns, target, ids, via, kind=kind)
