"""Where a Spark write goes, as the processing log names it: a local path, a URI, a catalogue table, or
a database table (JDBC: kind, host and database, never the URL's user, password or parameters).

PySpark keeps a writer's options and a ``writeTo`` table only in the JVM, so the wrapped ``option`` /
``options`` / ``format`` and ``writeTo`` remember what says where the data goes (and nothing else).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

TABLE_WRITES = ("saveAsTable", "insertInto")
V2_TABLE = "_jupyter_privacy_table"  # the table a ``df.writeTo(table)`` writer writes to
_OPTIONS = "_jupyter_privacy_options"  # a ``df.write`` writer's path, url, dbtable and format
_TARGET_OPTIONS = ("path", "url", "dbtable", "format")


def write_to(original: Callable[..., Any]) -> Callable[..., Any]:
    """``df.writeTo(table)``: its writer remembers the table (PySpark keeps it only in the JVM)."""

    def method(sdf: Any, table: str, *args: Any, **kwargs: Any) -> Any:
        writer = original(sdf, table, *args, **kwargs)
        setattr(writer, V2_TABLE, table)
        return writer

    method.__name__ = original.__name__
    method.__doc__ = original.__doc__
    return method


def target_of(writer: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, str]:
    """What a ``df.write`` method writes to, and its kind: "path" (a path or URI), "table", "named"
    (a database table, already named for the log), or "nothing" (the noop format)."""
    if name == "jdbc":
        url = args[0] if args else kwargs.get("url")
        return jdbc_name(url, args[1] if len(args) > 1 else kwargs.get("table")), "named"
    target = args[0] if args else kwargs.get("path", kwargs.get("name", kwargs.get("tableName")))
    options: dict[str, Any] = getattr(writer, _OPTIONS, {})
    fmt = (args[1] if name == "save" and len(args) > 1 else kwargs.get("format")) or options.get("format")
    if name == "save" and str(fmt).lower() == "noop":
        return None, "nothing"
    if target is None and name == "save" and "path" not in options and "dbtable" in options:
        return jdbc_name(options.get("url"), options["dbtable"]), "named"
    if target is None and name == "save":
        target = options.get("path")
    return target, "table" if name in TABLE_WRITES else "path"


def jdbc_name(url: Any, table: Any) -> str:
    """A JDBC table as the log names it: the database's kind, host and database, never the URL's user,
    password or parameters (``jdbc:postgresql://db.internal:5432/crm#public.contacts``)."""
    match = _JDBC.match(str(url or ""))
    if match is None:
        return f"jdbc#{table}"
    where = f"://{match[2]}{match[3] or ''}" if match[2] is not None else ""
    return f"jdbc:{match[1]}{where}#{table}"


# user info: up to the last @ before the parameters (a password may hold a slash); then hosts (a name
# or [IPv6], a port) and a database name: MySQL's ``address=(host=h)(password=p)``, DB2's
# ``/db:user=u;password=p;`` and a ``#fragment`` stop there, and an authority that is not hosts
# (``u:pa;ss@h``, a password with a semicolon) names no host at all
_HOST = r"(?:\[[0-9A-Fa-f:.]+\]|[\w.-]+)(?::\d+)?"
_JDBC = re.compile(rf"^jdbc:([A-Za-z0-9]+):(?://(?:[^?;]*@)?({_HOST}(?:,{_HOST})*)(?=[/?;#]|$)(/[\w.$-]*)?)?")


def remember_options(original: Callable[..., Any]) -> Callable[..., Any]:
    """``writer.option(key, value)`` / ``.options(...)`` / ``.format(source)``: what says where ``save()``
    writes (only the path, url, dbtable and format are kept)."""

    def remember(writer: Any, *args: Any, **kwargs: Any) -> Any:
        pairs = kwargs  # options(**pairs), or option(key, value), or format(source):
        if original.__name__ == "format":
            pairs = {"format": args[0] if args else kwargs.get("source")}
        elif original.__name__ == "option":
            given = {**dict(zip(("key", "value"), args, strict=False)), **kwargs}
            pairs = {str(given.get("key")): given.get("value")}
        kept = {str(k).lower(): v for k, v in pairs.items() if str(k).lower() in _TARGET_OPTIONS}
        result = original(writer, *args, **kwargs)
        if kept:
            setattr(writer, _OPTIONS, {**getattr(writer, _OPTIONS, {}), **kept})
        return result

    remember.__name__ = original.__name__
    remember.__doc__ = original.__doc__
    return remember


def output_name(path: Path | None, target: Any, kind: str) -> str:
    """What an output is called in the log: its local path, its URI on a cluster file system, its table,
    or its database table."""
    from ..engines.spark.source import is_uri, shown_uri

    if path is not None:
        return str(path)
    if kind == "named":
        return str(target)
    return f"table:{target}" if kind == "table" or not is_uri(str(target)) else shown_uri(str(target))
