"""The marks of a Spark Connect DataFrame, read off the plan the client sends (its protobuf), no JVM.

A Connect frame's plan is built in the notebook as a protobuf ``Relation`` tree: ``df.alias(name)`` is
a ``subquery_alias`` relation and an Arrow UDF a ``CommonInlineUserDefinedFunction`` with its name, so
the ``jp_ds_`` / ``jp_raw_`` marks (:mod:`.spark_marks`) and the ``jp_mask_`` functions are found by
walking the message, exactly (a string literal quoting a mark is a literal, not an alias relation).

Parts of a plan live on the server only: a SQL query (``spark.sql``), a table or temporary view read by
name, a checkpointed or cached relation. For a plan holding one, the server's analysed plan (one
``explain`` round trip) is searched too: the lines that are ``SubqueryAlias`` nodes and the masking
functions' names. That text is Spark's, so a string literal spelling a whole plan line could pass for a
mark there: the frame is then taken to derive from that dataset (a write logged with one dataset too
many, a display left out of the saved notebook), never the reverse.
"""

from __future__ import annotations

import re
from typing import Any

_SERVER_SIDE = {"SQL", "CachedRemoteRelation", "NamedTable"}
"""Relations whose plan the server holds (a query's text, a table or view name, a saved relation)."""
_ALIAS_LINE = re.compile(
    r"^[ :|+\-]*SubqueryAlias ((?:jp_ds_|jp_raw_|jp_raw_all_)[0-9a-f]{12})$", re.MULTILINE
)
_FUNCTION = re.compile(r"\b(jp_mask_ds-[0-9a-f]{12})\(")


def is_connect_frame(sdf: Any) -> bool:
    return type(sdf).__module__.startswith("pyspark.sql.connect")


def connect_marks(sdf: Any) -> tuple[set[str], set[str]] | None:
    """``(alias names, function names)`` of a Spark Connect frame's plan; None for any other object."""
    if not is_connect_frame(sdf):
        return None
    try:
        proto = sdf._plan.to_proto(sdf._session.client)
    except Exception:  # not a plan this client can build: nothing to read
        return set(), set()
    aliases, functions, server_side = _walk(proto)
    if server_side:
        more = _server_marks(sdf)
        aliases |= more[0]
        functions |= more[1]
    return aliases, functions


def _walk(root: Any) -> tuple[set[str], set[str], bool]:
    """Every alias and user-defined function name in the message, and whether a part of its plan is
    on the server only."""
    aliases: set[str] = set()
    functions: set[str] = set()
    server_side = False
    todo = [root]
    while todo:
        message = todo.pop()
        kind = message.DESCRIPTOR.name
        if kind == "SubqueryAlias":
            aliases.add(message.alias)
        elif kind == "CommonInlineUserDefinedFunction":
            functions.add(message.function_name)
        elif kind in _SERVER_SIDE:
            server_side = True
        for field, value in message.ListFields():
            if field.message_type is None:
                continue
            if _repeated(field):
                if field.message_type.GetOptions().map_entry:
                    todo += [v for v in value.values() if hasattr(v, "DESCRIPTOR")]
                else:
                    todo += list(value)
            else:
                todo.append(value)
    return aliases, functions, server_side


def _repeated(field: Any) -> bool:
    repeated = getattr(field, "is_repeated", None)  # protobuf >= 5 (``label`` is gone in 7)
    return bool(repeated) if repeated is not None else field.label == field.LABEL_REPEATED


def _server_marks(sdf: Any) -> tuple[set[str], set[str]]:
    """The marks of the server's analysed plan of ``sdf`` (see the module's note)."""
    try:
        text = sdf._explain_string(extended=True)
    except Exception:  # the server cannot analyse it (a dropped view): no marks to read
        return set(), set()
    analysed = text.split("== Analyzed Logical Plan ==", 1)[-1].split("== Optimized Logical Plan ==", 1)[0]
    return set(_ALIAS_LINE.findall(analysed)), set(_FUNCTION.findall(analysed))
