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

import importlib
import logging
import sys
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import OutputError
from .spark_connect_plan import is_connect_frame
from .spark_displays import marked_show
from .spark_load import ENGINE
from .spark_marks import mark, mark_grant, spark_datasets_of
from .spark_pandas import create_data_frame, to_pandas
from .spark_revoked import hook_revoked
from .spark_sql import sql_writer
from .spark_sql_scripts import STATEMENTS
from .spark_targets import V2_TABLE, output_name, remember_options, target_of, write_to
from .spark_views import session_maker, table_reader

if TYPE_CHECKING:
    from .lineage import Lineage
    from .session import PrivacySession

# every DataFrameWriter method that writes (``xml`` since Spark 4.0: wrapped where it exists)
WRITER_METHODS = ("save", "parquet", "csv", "json", "orc", "text", "xml", "saveAsTable", "insertInto", "jdbc")
V2_METHODS = ("create", "replace", "createOrReplace", "append", "overwrite", "overwritePartitions")
CHECKPOINTS = ("checkpoint", "localCheckpoint")
_busy = threading.local()


def hook_spark(lineage: Lineage, patched: set[tuple[int, str]]) -> None:
    """Wrap Spark's writers (``df.write``, ``df.writeTo``, ``spark.sql`` write commands), the checkpoint
    methods, ``toPandas``/``createDataFrame`` (:mod:`.spark_pandas`), ``show`` (:mod:`.spark_displays`)
    and MLlib's ``Estimator.fit`` once PySpark is imported: the classic classes, and Spark Connect's
    (``pyspark.sql.connect``) once a Connect session has imported them."""
    for readwriter_name, frame, session_name in _FLAVOURS:
        readwriter = sys.modules.get(readwriter_name)
        if readwriter is not None:
            session = importlib.import_module(session_name).SparkSession
            _hook_flavour(lineage, patched, readwriter, frame(), session)
    ml = sys.modules.get("pyspark.ml.base")
    if ml is not None and (id(ml.Estimator), "fit") not in patched:
        lineage._patch(ml.Estimator, "fit", _fit(lineage))


def _hook_flavour(
    lineage: Lineage, patched: set[tuple[int, str]], readwriter: Any, frame: Any, session: Any
) -> None:
    """The hooks on one flavour's classes (classic PySpark, or Spark Connect's client)."""
    for cls, names in (
        (readwriter.DataFrameWriter, WRITER_METHODS),
        (readwriter.DataFrameWriterV2, V2_METHODS),
    ):
        for name in names:
            if (id(cls), name) not in patched and hasattr(cls, name):
                lineage._patch(cls, name, _writer(lineage, cls.__name__, name))
    for name in ("option", "options", "format"):
        if (id(readwriter.DataFrameWriter), name) not in patched:
            lineage._patch(readwriter.DataFrameWriter, name, remember_options)
    for name in CHECKPOINTS:
        if (id(frame), name) not in patched:
            lineage._patch(frame, name, _checkpoint(lineage))
    if (id(frame), "writeTo") not in patched:
        lineage._patch(frame, "writeTo", write_to)
    if (id(frame), "toPandas") not in patched:
        lineage._patch(frame, "toPandas", to_pandas(lineage))
    hook_revoked(lineage.session, frame, lineage._patch, patched)
    if (id(frame), "show") not in patched and lineage.spark_grants_shown is not None:
        lineage._patch(frame, "show", marked_show(lineage.spark_grants_shown))
    if (id(session), "sql") not in patched:
        lineage._patch(session, "sql", sql_writer(lineage))
    if (id(session), "table") not in patched:
        lineage._patch(session, "table", table_reader(lineage.session))
    if (id(readwriter.DataFrameReader), "table") not in patched:
        lineage._patch(readwriter.DataFrameReader, "table", table_reader(lineage.session))
    if (id(session), "newSession") not in patched:
        lineage._patch(session, "newSession", session_maker)
    if (id(session), "createDataFrame") not in patched:
        lineage._patch(session, "createDataFrame", create_data_frame(lineage))


def _frame_class() -> Any:
    """The class of the DataFrames a SparkSession makes (PySpark 4 imports it with the first one)."""
    try:
        return importlib.import_module("pyspark.sql.classic.dataframe").DataFrame
    except ImportError:  # PySpark 3
        return importlib.import_module("pyspark.sql.dataframe").DataFrame


def _connect_frame_class() -> Any:
    return importlib.import_module("pyspark.sql.connect.dataframe").DataFrame


_FLAVOURS: tuple[tuple[str, Callable[[], Any], str], ...] = (
    ("pyspark.sql.readwriter", _frame_class, "pyspark.sql.session"),
    # Spark Connect's writers: imported with its DataFrame class, which they need
    ("pyspark.sql.connect.readwriter", _connect_frame_class, "pyspark.sql.connect.session"),
)


def written_frame(writer: Any) -> Any:
    """The DataFrame a writer writes: a classic writer keeps it, a Spark Connect writer only its plan
    (the frame is rebuilt from it, in the writer's session)."""
    frame = writer._df
    if type(writer).__module__.startswith("pyspark.sql.connect") and not hasattr(frame, "columns"):
        return _connect_frame_class()(frame, writer._spark)
    return frame


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
    """A checkpoint's plan is its saved rows: it is marked with the datasets of the frame it saved, and
    with the grants whose raw values that frame may show (so its displays stay marked)."""

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def checkpoint(sdf: Any, *args: Any, **kwargs: Any) -> Any:
            grants = lineage.spark_grants_shown(sdf) if lineage.spark_grants_shown is not None else set()
            saved = mark(original(sdf, *args, **kwargs), frame_datasets(lineage.session, sdf))
            for grant_id in sorted(grants):  # its columns are new to the plan: any may show the values
                saved = mark_grant(saved, grant_id, whole=True)
            return saved

        checkpoint.__name__ = original.__name__
        checkpoint.__doc__ = original.__doc__
        return checkpoint

    return wrap


def _writer(lineage: Lineage, cls: str, name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    v2 = cls == "DataFrameWriterV2"

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def write(writer: Any, *args: Any, **kwargs: Any) -> Any:
            if getattr(_busy, "active", False):
                return original(writer, *args, **kwargs)
            target, kind = (
                (getattr(writer, V2_TABLE, None), "table") if v2 else target_of(writer, name, args, kwargs)
            )
            if kind == "nothing":  # the noop format (benchmarks) runs the query and writes nothing
                return original(writer, *args, **kwargs)
            written = written_frame(writer)
            ids = frame_datasets(lineage.session, written)
            _busy.active = True
            try:
                with STATEMENTS.statement():  # not while another thread's SQL script runs (it hears it)
                    result = original(writer, *args, **kwargs)
            except Exception as exc:
                if not ids:
                    raise
                raise _write_error(lineage.session, exc, target) from None
            finally:
                _busy.active = False
            if ids:
                columns = [str(c) for c in written.columns]
                via = f"{cls}.{name}"
                log_output(
                    lineage.session, columns, target, ids, via, kind=kind, connect=is_connect_frame(written)
                )
                if kind == "path" and lineage.raw_output is not None and not is_connect_frame(written):
                    lineage.raw_output(written, _local(str(target)))  # read back, its displays are marked
            return result

        write.__name__ = name
        write.__doc__ = original.__doc__
        return write

    return wrap


def _write_error(session: PrivacySession, exc: BaseException, target: Any) -> OutputError:
    """The failed write's one error, naming its target as the log would (a person's name or e-mail
    address in a path or table name as its token, a URL's password as ``***``)."""
    from ..engines.spark.source import shown_uri, spark_error

    reason = str(spark_error(exc, session.labels.path(shown_uri(str(target))), "write"))
    return OutputError(f"the governed Spark write failed, nothing was logged: {reason}")


def log_output(
    session: PrivacySession,
    columns: list[str],
    target: Any,
    ids: list[str],
    via: str,
    *,
    kind: str,
    connect: bool = False,
) -> None:
    """Log ``output_written`` for a finished Spark write (a local folder gets its content hash); ``kind``
    is "path", "table" or "named" (see :func:`.spark_targets.target_of`). On Spark Connect (``connect``)
    a relative path is the server's (below its working directory): logged as given, not resolved here."""
    from ..engines.spark.source import SparkSource, is_uri

    path: Path | None = None
    if isinstance(target, str) and not is_uri(target) and kind == "path":
        if connect and not Path(target).expanduser().is_absolute():
            _relative_warning()
            kind = "named"  # logged as given
        else:
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
            "path": output_name(path, target, kind),
            "sha256": sha,
            "kind": "SparkDataFrame",
            "via": via,
            "datasets": ids,
            "columns": columns,
            "engine": ENGINE,
        },
    )


_LOG = logging.getLogger(__name__)
RELATIVE_WARNING = (
    "jupyter-privacy: on Spark Connect a relative path is written by the server, below its own working "
    "directory, not the notebook's: it is logged as given, without a content hash. Write to an absolute "
    "path or a URI to have the output named and hashed."
)
_relative_warned: list[bool] = []


def _relative_warning() -> None:
    if not _relative_warned:
        _relative_warned.append(True)
        _LOG.warning(RELATIVE_WARNING)


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
