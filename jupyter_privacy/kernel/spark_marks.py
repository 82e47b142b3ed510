"""Which governed datasets a Spark DataFrame derives from, read off its analysed plan.

Every frame a governed load or an unmask returns is marked with ``DataFrame.alias("jp_ds_<hex>")``
(the dataset id ``ds-<hex>``): a ``SubqueryAlias`` node that Spark's analysed plan keeps through
selects, filters, joins, unions, aggregations, renames, the user's own aliases (``df.alias("a")``
wraps it), caching and temporary views, and that the optimiser removes (``EliminateSubqueryAliases``),
so the query Spark runs is unchanged. It marks frames that run no masking (fully unmasked, nothing to
mask). Masked columns also go through functions named ``jp_mask_<dataset id>``. Neither names
anything but the dataset id: no value, no key.

On Spark Connect the notebook holds no JVM: the marks are read off the plan the client sends, its
protobuf (:mod:`.spark_connect_plan`).

What a plan cannot carry: a frame rebuilt from its RDD (``spark.createDataFrame(df.rdd)``), from
collected rows or from Arrow tables (``toArrow()``) starts a new plan and is not traced. The lineage
hooks carry the datasets over a checkpoint (its plan is its saved rows; :mod:`.spark_lineage`) and over
``toPandas()`` / ``spark.createDataFrame(pandas_frame)`` (:mod:`.spark_pandas`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .spark_connect_plan import connect_marks

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

MARK_PREFIX = "jp_ds_"
GRANT_PREFIX = "jp_raw_"
WHOLE_PREFIX = "jp_raw_all_"  # every column may show the grant's values (a rebuilt or checkpointed frame)
_TAGS = re.compile(r"jp_mask_(ds-[0-9a-f]{12})|SubqueryAlias jp_ds_([0-9a-f]{12})\b")
_GRANTS = re.compile(r"SubqueryAlias jp_raw_(?:all_)?([0-9a-f]{12})\b")
_ID = re.compile(r"ds-[0-9a-f]{12}")
_MARK_ALIAS = re.compile(r"jp_ds_[0-9a-f]{12}")
_GRANT_ALIAS = re.compile(r"jp_raw_(?:all_)?([0-9a-f]{12})")
_UDF_NAME = re.compile(r"jp_mask_ds-[0-9a-f]{12}")
_GRANT_ID = re.compile(r"g-[0-9a-f]{12}")
_DIGITS = re.compile(r"[0-9]+")
_SEPARATOR = "\x00"


def mark(sdf: DataFrame, dataset_ids: list[str]) -> DataFrame:
    """``sdf`` marked as deriving from ``dataset_ids`` (one alias each; nothing changes when it runs)."""
    for dataset_id in dataset_ids:
        if not _ID.fullmatch(dataset_id):
            raise ValueError(f"not a dataset id: {dataset_id!r}")
        sdf = sdf.alias(MARK_PREFIX + dataset_id[len("ds-") :])
    return sdf


def mark_grant(sdf: DataFrame, grant_id: str, *, whole: bool = False) -> DataFrame:
    """``sdf`` (an unmask's result) marked as showing the raw values of grant ``grant_id``: what derives
    from it carries the mark, so a display of it can be left out of a saved notebook whatever its form.
    ``whole``: every column of ``sdf`` may hold them (a checkpoint, or a frame rebuilt from raw rows,
    whose columns cannot be told apart by their plan)."""
    if not _GRANT_ID.fullmatch(grant_id):
        raise ValueError(f"not a grant id: {grant_id!r}")
    return sdf.alias(_alias(grant_id, whole))


def _alias(grant_id: str, whole: bool = False) -> str:
    return (WHOLE_PREFIX if whole else GRANT_PREFIX) + grant_id[len("g-") :]


def spark_grants_of(sdf: Any) -> list[str]:
    """Ids of the grants (unmasks) whose raw frames ``sdf`` derives from: the ``jp_raw_`` marks of its
    plan that are real alias nodes (a string literal quoting one is not)."""
    connect = connect_marks(sdf)
    if connect is not None:
        return sorted(_connect_grants(connect[0]))
    return _grants_in(*_analysed(sdf))


def plan_grants_of(analysed: Any, spark: Any) -> list[str]:
    """:func:`spark_grants_of` for an analysed plan (a command a SQL script ran), of session ``spark``."""
    try:
        with _whole_plan_text(spark):
            text = plan_text(analysed)
    except Exception:  # not a plan: no marks
        return []
    return _grants_in(analysed, text)


def _grants_in(analysed: Any, text: str) -> list[str]:
    found = {f"g-{g}" for g in _GRANTS.findall(text)}
    if not found:
        return []
    try:
        aliases = _aliases(_plan_nodes(analysed))
        return sorted(g for g in found if _alias(g) in aliases or _alias(g, True) in aliases)
    except Exception:  # a plan this walk does not know: the text's marks (a display is left out)
        return sorted(found)


def grants_shown(sdf: Any, granted: Mapping[str, Collection[str]]) -> set[str]:
    """Of the grants ``granted`` (grant id -> granted column names), those whose raw values a display of
    ``sdf`` may show: its plan carries the grant's mark, and one of its columns is not one of the marked
    frame's other columns passed through as they were (by Spark's attribute ids, not by name: a granted
    column renamed to a name the table has, ``select(col("email").alias("plan"))``, is not one of them).
    A union's columns carry its first input's ids, so a plan with a union shows every grant it marks, and
    so does a ``whole`` mark (:func:`mark_grant`). On Spark Connect the notebook has no analysed plan
    to tell the columns apart by: every grant the plan marks (the display is left out of the save)."""
    connect = connect_marks(sdf)
    if connect is not None:
        return _connect_grants(connect[0]).intersection(granted)
    analysed, text = _analysed(sdf)
    found = {f"g-{g}" for g in _GRANTS.findall(text)}.intersection(granted)
    if not found:
        return set()
    try:
        nodes = [(str(n.nodeName()), n) for n in _plan_nodes(analysed)]
        marks = {str(n.alias()): n for name, n in nodes if name == "SubqueryAlias"}
        marked = {g for g in found if _alias(g) in marks or _alias(g, True) in marks}
        whole = {g for g in marked if _alias(g, True) in marks}
        if whole == marked or any(name == "Union" for name, _n in nodes):
            return marked
        shown = {i for _name, i in _attributes(analysed.output())}
        return whole | {g for g in marked - whole if shown - _passed(nodes, _alias(g), granted[g])}
    except Exception:  # a plan this walk does not know: the text's marks (a display is left out)
        return found


def _connect_grants(aliases: set[str]) -> set[str]:
    """The grant ids of a Spark Connect plan's aliases (``jp_raw_<hex>``, ``jp_raw_all_<hex>``)."""
    return {f"g-{found[1]}" for found in map(_GRANT_ALIAS.fullmatch, aliases) if found}


def _passed(nodes: list[tuple[str, Any]], alias: str, granted: Collection[str]) -> set[int]:
    """The attribute ids of the columns, other than the granted ones, of the frames marked ``alias``."""
    names = {c.lower() for c in granted}
    return {
        i
        for name, n in nodes
        if name == "SubqueryAlias" and str(n.alias()) == alias
        for column, i in _attributes(n.output())
        if column.lower() not in names
    }


def _attributes(seq: Any) -> list[tuple[str, int]]:
    """Name and id of each attribute of a plan's output, in one Py4J call: each prints as ``name#id``
    (and a type suffix); a name may hold ``#``, not the separator. Raises on anything else."""
    text = str(seq.mkString(_SEPARATOR))
    found = []
    for item in text.split(_SEPARATOR) if text else []:
        name, _hash, tail = item.rpartition("#")
        digits = _DIGITS.match(tail)
        if not _hash or digits is None:
            raise ValueError("not an attribute")
        found.append((name, int(digits.group())))
    return found


def _analysed(sdf: Any) -> tuple[Any, str]:
    """The analysed plan of ``sdf`` and its whole text (``(None, "")`` for what is not a Spark frame)."""
    try:
        analysed = sdf._jdf.queryExecution().analyzed()
        with _whole_plan_text(sdf.sparkSession):
            return analysed, plan_text(analysed)
    except Exception:
        return None, ""


def _plan_nodes(analysed: Any) -> list[Any]:
    """Every node of the plan, subqueries included."""
    return _nodes(analysed, lambda node: java_items(node.children()) + java_items(node.innerChildren()))


def _aliases(nodes: list[Any]) -> set[str]:
    """The names of the ``SubqueryAlias`` nodes among ``nodes``."""
    return {str(n.alias()) for n in nodes if str(n.nodeName()) == "SubqueryAlias"}


def spark_datasets_of(sdf: Any) -> list[str]:
    """Ids of the governed datasets a Spark DataFrame derives from (its plan's marks and masking UDFs)."""
    connect = connect_marks(sdf)
    if connect is not None:
        aliases, functions = connect
        ids = {f"ds-{a[len(MARK_PREFIX) :]}" for a in aliases if _MARK_ALIAS.fullmatch(a)}
        return sorted(ids | {f[len("jp_mask_") :] for f in functions if _UDF_NAME.fullmatch(f)})
    return _datasets_in(*_analysed(sdf))


def plan_datasets_of(analysed: Any, spark: Any) -> list[str]:
    """:func:`spark_datasets_of` for an analysed plan (a command a SQL script ran), of session ``spark``."""
    try:
        with _whole_plan_text(spark):
            text = plan_text(analysed)
    except Exception:  # not a plan: no marks
        return []
    return _datasets_in(analysed, text)


def _datasets_in(analysed: Any, text: str) -> list[str]:
    found = _TAGS.findall(text)
    aliases, udfs = {f"ds-{a}" for _u, a in found if a}, {u for u, _a in found if u}
    try:
        return _confirmed(analysed, aliases, udfs) if found else []
    except Exception:  # a plan this walk does not know: the text's marks (a write is never left out)
        return sorted(aliases | udfs)


def _confirmed(analysed: Any, aliases: set[str], udfs: set[str]) -> list[str]:
    """The text's candidate marks that are plan nodes: a string literal or a column name may quote a
    mark (``lit("SubqueryAlias jp_ds_...")``, even after a line break), so each is checked on the plan
    itself: a ``SubqueryAlias`` node with that alias, or a function with that name."""
    nodes = _plan_nodes(analysed)
    marked = _aliases(nodes)
    ids = {i for i in aliases if MARK_PREFIX + i[len("ds-") :] in marked}
    if udfs - ids:
        expressions = [e for n in nodes for e in _nodes_of(java_items(n.expressions()))]
        named = {_name(e) for e in expressions if "UDF" in str(e.nodeName())}
        ids |= {i for i in udfs if f"jp_mask_{i}" in named}
    return sorted(ids)


def _name(expression: Any) -> str:
    try:
        return str(expression.name())
    except Exception:  # a function without a name
        return ""


def _nodes_of(roots: list[Any]) -> list[Any]:
    found: list[Any] = []
    for root in roots:
        found += _nodes(root, lambda e: java_items(e.children()))
    return found


def _nodes(root: Any, below: Any) -> list[Any]:
    found, todo = [], [root]
    while todo:
        node = todo.pop()
        found.append(node)
        todo += below(node)
    return found


def java_items(seq: Any) -> list[Any]:
    """The items of a Scala/Java collection reached through Py4J, as a list."""
    items = []
    it = seq.iterator()
    while it.hasNext():
        items.append(it.next())
    return items


@contextmanager
def _whole_plan_text(spark: Any) -> Iterator[None]:
    """Spark cuts a plan's text after ``spark.sql.maxPlanStringLength`` characters, and a notebook may
    set that low (to keep big plans out of its logs): the marks sit at the plan's leaves, the end of the
    text, so a cut lost them and the frame's writes went unlogged. The limit is lifted meanwhile."""
    limit = spark.conf.get(_MAX_LENGTH, None)
    if limit is None:  # Spark's default: no cut
        yield
        return
    spark.conf.set(_MAX_LENGTH, str(_NO_CUT))
    try:
        yield
    finally:
        spark.conf.set(_MAX_LENGTH, limit)


def plan_text(plan: Any) -> str:
    """The plan with every field of every node: its ``toString`` cuts a list after
    ``spark.sql.debug.maxToStringFields`` (25) fields, which hides the masked columns of a wide table."""
    for flags in ((False, False), (False,)):  # Spark 4.1's trailing flags (their number varies)
        try:
            return str(plan.treeString(False, False, _ALL_FIELDS, *flags))
        except Exception:  # another Spark version's signature
            continue
    return str(plan.toString())


_ALL_FIELDS = 2**31 - 1
_MAX_LENGTH = "spark.sql.maxPlanStringLength"
_NO_CUT = 2**31 - 1 - 15  # Spark's default (the longest array the JVM makes)
