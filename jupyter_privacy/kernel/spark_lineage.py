"""Spark lineage: ``df.write`` outputs and Spark MLlib ``fit`` calls on governed Spark DataFrames.

A Spark DataFrame's governed datasets are read off its plan (every governed frame is marked, and the
masking UDFs name their dataset: :mod:`.spark_marks`) and off the files it reads (``inputFiles()``,
matched against the file sources of this session's loads). A checkpoint starts a new plan, so the
checkpoint methods mark their result with their input's datasets.
A write is logged as ``output_written`` once Spark has finished it (the job ran, the files are
complete); a failed write raises one clear error and logs nothing. ``model_trained`` is logged when
the cell ends, with the variable the model ended up in, as for scikit-learn.
"""

from __future__ import annotations

import re
import sys
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import OutputError
from .spark_load import ENGINE
from .spark_marks import mark, spark_datasets_of
from .spark_pandas import create_data_frame, to_pandas
from .spark_sql import sql_writer

if TYPE_CHECKING:
    from .lineage import Lineage
    from .session import PrivacySession

WRITER_METHODS = ("save", "parquet", "csv", "json", "orc", "text", "saveAsTable", "insertInto", "jdbc")
TABLE_WRITES = ("saveAsTable", "insertInto")
V2_METHODS = ("create", "replace", "createOrReplace", "append", "overwrite", "overwritePartitions")
CHECKPOINTS = ("checkpoint", "localCheckpoint")
_V2_TABLE = "_jupyter_privacy_table"  # the table a ``df.writeTo(table)`` writer writes to
_OPTIONS = "_jupyter_privacy_options"  # a ``df.write`` writer's path / url / dbtable options (for save())
_TARGET_OPTIONS = ("path", "url", "dbtable", "format")
_busy = threading.local()


def hook_spark(lineage: Lineage, patched: set[tuple[int, str]]) -> None:
    """Wrap Spark's writers (``df.write``, ``df.writeTo``, ``spark.sql`` write commands), the checkpoint
    methods, ``toPandas``/``createDataFrame`` (:mod:`.spark_pandas`) and MLlib's ``Estimator.fit`` once
    PySpark is imported."""
    readwriter = sys.modules.get("pyspark.sql.readwriter")
    if readwriter is not None:
        for cls, names in (
            (readwriter.DataFrameWriter, WRITER_METHODS),
            (readwriter.DataFrameWriterV2, V2_METHODS),
        ):
            for name in names:
                if (id(cls), name) not in patched:
                    lineage._patch(cls, name, _writer(lineage, cls.__name__, name))
        for name in ("option", "options", "format"):
            if (id(readwriter.DataFrameWriter), name) not in patched:
                lineage._patch(readwriter.DataFrameWriter, name, _remember_options)
        frame = _frame_class()
        for name in CHECKPOINTS:
            if (id(frame), name) not in patched:
                lineage._patch(frame, name, _checkpoint(lineage))
        if (id(frame), "writeTo") not in patched:
            lineage._patch(frame, "writeTo", _write_to)
        if (id(frame), "toPandas") not in patched:
            lineage._patch(frame, "toPandas", to_pandas(lineage))
        session = sys.modules["pyspark.sql.session"].SparkSession
        if (id(session), "sql") not in patched:
            lineage._patch(session, "sql", sql_writer(lineage))
        if (id(session), "createDataFrame") not in patched:
            lineage._patch(session, "createDataFrame", create_data_frame)
    ml = sys.modules.get("pyspark.ml.base")
    if ml is not None and (id(ml.Estimator), "fit") not in patched:
        lineage._patch(ml.Estimator, "fit", _fit(lineage))


def _frame_class() -> Any:
    """The class of the DataFrames a SparkSession makes (PySpark 4 imports it with the first one)."""
    import importlib

    try:
        return importlib.import_module("pyspark.sql.classic.dataframe").DataFrame
    except ImportError:  # PySpark 3
        return importlib.import_module("pyspark.sql.dataframe").DataFrame


def frame_datasets(session: PrivacySession, sdf: Any) -> list[str]:
    """Governed datasets behind a Spark DataFrame: the marks in its plan, and the files it reads."""
    ids = set(spark_datasets_of(sdf))
    try:
        files = [_local(f) for f in sdf.inputFiles()]
    except Exception:
        files = []
    for dataset in list(session.datasets.values()):
        if dataset.source.startswith(("table:", "sql:")):
            continue
        root = Path(dataset.source)
        if any(f == root or root in f.parents for f in files):
            ids.add(dataset.id)
    return sorted(ids)


def _checkpoint(lineage: Lineage) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A checkpoint's plan is its saved rows: it is marked with the datasets of the frame it saved."""

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def checkpoint(sdf: Any, *args: Any, **kwargs: Any) -> Any:
            return mark(original(sdf, *args, **kwargs), frame_datasets(lineage.session, sdf))

        checkpoint.__name__ = original.__name__
        checkpoint.__doc__ = original.__doc__
        return checkpoint

    return wrap


def _write_to(original: Callable[..., Any]) -> Callable[..., Any]:
    """``df.writeTo(table)``: its writer remembers the table (PySpark keeps it only in the JVM)."""

    def write_to(sdf: Any, table: str, *args: Any, **kwargs: Any) -> Any:
        writer = original(sdf, table, *args, **kwargs)
        setattr(writer, _V2_TABLE, table)
        return writer

    write_to.__name__ = original.__name__
    write_to.__doc__ = original.__doc__
    return write_to


def _writer(lineage: Lineage, cls: str, name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    v2 = cls == "DataFrameWriterV2"

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def write(writer: Any, *args: Any, **kwargs: Any) -> Any:
            if getattr(_busy, "active", False):
                return original(writer, *args, **kwargs)
            target, kind = (
                (getattr(writer, _V2_TABLE, None), "table") if v2 else _target(writer, name, args, kwargs)
            )
            if kind == "nothing":  # the noop format (benchmarks) runs the query and writes nothing
                return original(writer, *args, **kwargs)
            ids = frame_datasets(lineage.session, writer._df)
            _busy.active = True
            try:
                result = original(writer, *args, **kwargs)
            except Exception as exc:
                if not ids:
                    raise
                raise _write_error(exc, target) from None
            finally:
                _busy.active = False
            if ids:
                columns = [str(c) for c in writer._df.columns]
                log_output(lineage.session, columns, target, ids, f"{cls}.{name}", kind=kind)
            return result

        write.__name__ = name
        write.__doc__ = original.__doc__
        return write

    return wrap


def _target(writer: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, str]:
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


# user info: up to the last @ before the parameters (a password may hold a slash)
_JDBC = re.compile(r"^jdbc:([A-Za-z0-9]+):(?://(?:[^?;]*@)?([^/?;@]*)(/[^?;@]*)?)?")


def _remember_options(original: Callable[..., Any]) -> Callable[..., Any]:
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


def _write_error(exc: BaseException, target: Any) -> OutputError:
    from ..engines.spark.source import shown_uri, spark_error

    reason = str(spark_error(exc, shown_uri(str(target)), "write"))
    return OutputError(f"the governed Spark write failed, nothing was logged: {reason}")


def log_output(
    session: PrivacySession, columns: list[str], target: Any, ids: list[str], via: str, *, kind: str
) -> None:
    """Log ``output_written`` for a finished Spark write (a local folder gets its content hash); ``kind``
    is "path", "table" or "named" (see :func:`_target`)."""
    from ..engines.spark.source import SparkSource, is_uri

    path: Path | None = None
    if isinstance(target, str) and not is_uri(target) and kind == "path":
        path = Path(target).expanduser().resolve()
    sha = None
    if path is not None and path.exists():
        try:
            sha = SparkSource(path=path).content_sha256()
        except OSError:
            sha = None
    session.log(
        "output_written",
        {
            "path": _output_name(path, target, kind),
            "sha256": sha,
            "kind": "SparkDataFrame",
            "via": via,
            "datasets": ids,
            "columns": columns,
            "engine": ENGINE,
        },
    )


def _output_name(path: Path | None, target: Any, kind: str) -> str:
    """What an output is called in the log: its local path, its URI on a cluster file system, its table,
    or its database table."""
    from ..engines.spark.source import is_uri, shown_uri

    if path is not None:
        return str(path)
    if kind == "named":
        return str(target)
    return f"table:{target}" if kind == "table" or not is_uri(str(target)) else shown_uri(str(target))


def _fit(lineage: Lineage) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    from .lineage import _PendingFit

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def fit(estimator: Any, dataset: Any, *args: Any, **kwargs: Any) -> Any:
            if getattr(_busy, "fitting", False):  # a Pipeline's stages: the pipeline is what is logged
                return original(estimator, dataset, *args, **kwargs)
            _busy.fitting = True
            try:
                model = original(estimator, dataset, *args, **kwargs)
            finally:
                _busy.fitting = False
            ids = frame_datasets(lineage.session, dataset)
            if ids:
                cls = f"{type(estimator).__module__}.{type(estimator).__qualname__}"
                columns = [str(c) for c in dataset.columns]
                lineage.models[model] = ids
                lineage.fits.append(_PendingFit(weakref.ref(model), cls, ids, columns, None))
            return model

        fit.__name__ = "fit"
        fit.__doc__ = original.__doc__
        return fit

    return wrap


def _local(uri: str) -> Path:
    return Path(uri[len("file:") :] if uri.startswith("file:") else uri).resolve()
