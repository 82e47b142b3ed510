"""Governed Spark loads in a kernel session: sample, classify, plan the masking, log ``dataset_loaded``.

The returned Spark DataFrame is masked lazily: Spark runs the masking when it computes the frame
(on the executors, batch by batch). Nothing is logged until the sample, the scan and the plan have
all succeeded, so a failed load leaves no record.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..detect import scan_dataframe
from ..engines.spark import require_pyspark
from ..engines.spark.quiet import guard_connect_log, pandas_warning_quiet
from ..io import DataReadError
from ..io.columns import unknown_columns
from ..mask import MaskedFrame
from ..records.fingerprints import unsearchable_warning
from .errors import LoadError
from .session import Dataset, PrivacySession, _now
from .spark_marks import mark

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from ..engines.spark.masking import ColumnPlan
    from ..engines.spark.source import SparkSource

ENGINE = "spark"
LOADED_ATTR = "_jupyter_privacy_load"
HEADER_ROWS = 200
"""First rows of a CSV that tell whether its header is a person's row (see :func:`_header_is_data`)."""
"""Attribute of the Spark DataFrame a load returns: its :class:`SparkLoad` (plain Python object)."""


@dataclass
class SparkLoad:
    """What an unmask needs to rebuild a governed Spark load: the source and the masking plan, and the
    load's own dataset (its findings gate the unmask: another load of the same files, so of the same
    dataset id, may have scanned other columns)."""

    dataset: Dataset
    plans: list[ColumnPlan]
    reread: Callable[[], DataFrame]
    content_sha256: Callable[[], str]

    @property
    def dataset_id(self) -> str:
        return self.dataset.id


def active_spark() -> SparkSession:
    """The notebook's SparkSession (``spark.master`` decides local or cluster), started if none runs."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    # local mode: the executors' Python is this kernel's (which has jupyter_privacy and its libraries)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return SparkSession.builder.getOrCreate()


def load_spark(
    session: PrivacySession,
    source: str | Path | None = None,
    *,
    table: str | None = None,
    fmt: str | None = None,
    variable: str | None = None,
    spark: SparkSession | None = None,
    columns: list[str] | None = None,
) -> DataFrame:
    """Read a path (Parquet, CSV, JSON) or a table with Spark (only ``columns`` if given: the others
    are never read, as Spark prunes them) and return it masked and logged."""
    require_pyspark()
    from ..engines.spark.source import resolve

    spark = spark or active_spark()
    try:
        src = resolve(source or "", fmt=fmt, table=table, spark=spark)
        sdf = _read(src, spark, columns)
        if columns is None and _header_is_data(session, src, sdf):  # a CSV whose first line is a person
            src = replace(src, header=False)
            sdf = _read(src, spark, columns)
        read = partial(_read, src, spark, columns)
    except DataReadError as exc:
        raise LoadError(str(exc)) from None
    # the content hash (hashlib releases the GIL) runs while Spark samples and the sample is scanned
    with ThreadPoolExecutor(max_workers=1) as hasher:
        content = hasher.submit(_source_sha256, src, sdf, spark)
        return govern_spark(
            session,
            sdf,
            source=src.description,
            content_sha256=content,
            reread=read,
            # a table as it is now: the unmask re-reads the table, not the files it had
            rehash=lambda: _source_sha256(src, read(), spark),
            variable=variable,
        )


def _read(src: SparkSource, spark: SparkSession, columns: list[str] | None) -> DataFrame:
    """The source as a DataFrame, cut down to ``columns`` (in that order) when given."""
    sdf = src.read(spark)
    if columns is None:
        return sdf
    from pyspark.sql import functions as F

    if not columns:  # as for pandas: a load of no column would log a dataset of nothing
        raise DataReadError(f"{src.description}: --columns names no column; give names separated by commas")
    missing = [c for c in columns if c not in sdf.columns]
    if missing:
        raise DataReadError(unknown_columns(f"{src.description}: ", "this source", missing, sdf.columns))
    return sdf.select(*[F.col("`" + c.replace("`", "``") + "`") for c in columns])


def _header_is_data(session: PrivacySession, src: SparkSource, sdf: DataFrame) -> bool:
    """Whether a CSV's header holds personal data over more of the same (a file without a header row),
    decided as for pandas (:func:`~jupyter_privacy.detect.labels.header_is_data`) on its first rows."""
    if src.fmt != "csv" or src.table:
        return False
    personal = session.labels.personal(sdf.columns)
    if not personal:
        return False
    from ..detect.labels import header_is_data

    try:
        with pandas_warning_quiet():
            head = sdf.limit(HEADER_ROWS).toPandas()
    except Exception:  # the file cannot be read: the load says so, as for any file
        return False
    return header_is_data(head, personal)


def _source_sha256(src: SparkSource, sdf: DataFrame, spark: SparkSession) -> str:
    """The hash of the source's data files; a table with none (a view over in-memory rows, a JDBC table)
    is hashed by its rows, else every such table would have one id and no change would ever show."""
    if not src.table:
        return src.content_sha256(None, spark)
    files = sdf.inputFiles()
    return src.content_sha256(files, spark) if files and not _reads_more(sdf) else _rows_sha256(sdf)


@pandas_warning_quiet()
def govern_spark(
    session: PrivacySession,
    sdf: DataFrame,
    *,
    source: str,
    content_sha256: str | Future[str],
    reread: Callable[[], DataFrame],
    rehash: Callable[[], str],
    variable: str | None = None,
) -> DataFrame:
    """Scan a sample of ``sdf``, plan its masking, log the load; returns the masked DataFrame."""
    from ..engines.spark.masking import apply_masking, plan_masking
    from ..engines.spark.sample import take_sample
    from ..engines.spark.source import spark_error
    from ..engines.spark.workers import check_workers

    key = session.key  # a missing key fails here, before anything is logged
    guard_connect_log()
    _check_names(session, sdf, source)
    sdf, reread = _laid_out(session, sdf, reread)
    _check_names(session, sdf, source)  # a flattened field may take a name the frame has
    try:
        check_workers(sdf.sparkSession)
    except DataReadError as exc:
        raise LoadError(str(exc)) from None
    try:
        sample, rows = take_sample(sdf, session.policy.detection.sample_rows)
    except Exception as exc:
        raise LoadError(str(spark_error(exc, source))) from None
    scan = scan_dataframe(sample, session.loaded, source=source)
    scan.rows = int(rows)
    scan.reidentification = None  # uniqueness needs the whole table; a sample says little about it
    plans, masked_sample = plan_masking(sample, scan, session.policy, key)
    if isinstance(content_sha256, Future):
        content_sha256 = content_sha256.result()
    dataset = Dataset(
        id=f"ds-{content_sha256[:12]}",
        source=source,
        content_sha256=content_sha256,
        shape=(int(rows), len(sdf.columns)),
        scan=scan,
        masking=MaskedFrame(masked_sample.frame.iloc[:0], masked_sample.columns, key.key_id),
        loaded_at=_now(),
        reread=reread,
        variable=variable,
        engine=ENGINE,
    )
    # marked even with nothing to mask: frames derived from it name the dataset (spark_marks)
    masked = mark(apply_masking(sdf, plans, session.policy, key, dataset.id), [dataset.id])
    setattr(masked, LOADED_ATTR, SparkLoad(dataset, plans, reread, rehash))
    payload = session._loaded_payload(dataset)
    payload["engine"] = ENGINE
    fingerprints = _fingerprints(session, sdf, sample, dataset.masking, key)
    unsearchable_warning(fingerprints, session.labels.path(source))
    if fingerprints is not None:
        payload["fingerprints"] = fingerprints
    with session._lock:
        session.datasets[dataset.id] = dataset
        session.log("dataset_loaded", payload)
    return masked


def _laid_out(
    session: PrivacySession, sdf: DataFrame, reread: Callable[[], DataFrame]
) -> tuple[DataFrame, Callable[[], DataFrame]]:
    """``sdf`` as it is scanned, masked and shown, as the pandas path lays a frame out: nested columns
    flattened, and a column name that is personal data (a pivot's e-mail address) as its token; and the
    re-read an unmask makes, laid out the same way (by position: the source was checked unchanged)."""
    from ..engines.spark.nested import flatten_nested

    flat = flatten_nested(sdf)
    renamed = session.labels.renames(list(flat.columns))
    if not renamed:
        return flat, reread if flat is sdf else (lambda: flatten_nested(reread()))
    names = [renamed.get(c, c) for c in flat.columns]
    return flat.toDF(*names), lambda: flatten_nested(reread()).toDF(*names)


def _fingerprints(
    session: PrivacySession, sdf: DataFrame, sample: Any, masking: MaskedFrame, key: Any
) -> Any:
    """Erasure fingerprints of the load's direct identifiers (digests computed by Spark)."""
    from ..engines.spark.fingerprints import spark_digests
    from ..engines.spark.quiet import py4j_quiet
    from ..records.fingerprints import record_fingerprints

    try:
        with py4j_quiet():  # the digest function's closure holds the key
            masking.distinct_digests = spark_digests(sdf, sample, masking.columns, key)
    except Exception as exc:  # the type only: a Spark message might quote a value
        return {"error": f"{type(exc).__name__} while building the fingerprints"}
    return record_fingerprints(session.policy.log, None, masking, key)


def is_spark_frame(obj: Any) -> bool:
    return type(obj).__module__.startswith("pyspark.sql") and type(obj).__name__ == "DataFrame"


def govern_spark_frame(
    session: PrivacySession, sdf: DataFrame, *, source: str = "dataframe", variable: str | None = None
) -> DataFrame:
    """Govern an existing Spark DataFrame (``spark.table(...)``, a join, an in-memory frame).

    Its content hash is the hash of the data files it reads when it has any, else of its rows
    (computed by Spark; a full pass, as there is nothing else to hash), as also when it reads something
    besides files (a JDBC table, an RDD). An unmask hashes the files the frame reads then: a table that
    gained a file since is a change."""
    require_pyspark()
    from ..engines.spark.source import SparkSource

    try:  # a Spark Connect frame is first analysed here: a missing file fails now, as one clear error
        _check_names(session, sdf, source)
        files = sdf.inputFiles()
    except LoadError:
        raise
    except Exception as exc:
        from ..engines.spark.source import spark_error

        raise LoadError(str(spark_error(exc, source))) from None

    def rehash(now: list[str] | None = None) -> str:
        """The files the frame reads now (a table that gained a file reads it too), else its rows."""
        now = sdf.inputFiles() if now is None else now
        if now and not _reads_more(sdf):
            return SparkSource().content_sha256(now, sdf.sparkSession)
        return _rows_sha256(sdf)

    return govern_spark(
        session,
        sdf,
        source=source,
        content_sha256=rehash(files),
        reread=lambda: sdf,
        rehash=rehash,
        variable=variable,
    )


def _check_names(session: PrivacySession, sdf: DataFrame, source: str) -> None:
    """Refuse a frame with two columns of one name (a join that kept both sides' key): Spark cannot tell
    them apart by name, so neither the masking nor the content hash could address them. A name that is
    personal data (a pivot's e-mail address) is quoted by its token."""
    exact = sdf.sparkSession.conf.get("spark.sql.caseSensitive", "false") == "true"
    seen: set[str] = set()
    twice: list[str] = []
    for name in sdf.columns:
        folded = name if exact else name.lower()
        if folded in seen and name not in twice:
            twice.append(name)
        seen.add(folded)
    if twice:
        message = (
            f"{source} has more than one column named {', '.join(map(repr, twice))}; rename or drop the "
            "duplicates first (for a join, join on the column name: a.join(b, 'id'))"
        )
        raise LoadError(session.labels.message(message, twice))


_FIXED_LEAVES = ("LocalRelation", "Range", "OneRowRelation")
"""Leaves of a plan whose rows are held in the plan itself: they cannot change."""


def _reads_more(sdf: DataFrame) -> bool:
    """Whether the frame reads a source besides data files and rows held in its plan (a JDBC table, an
    RDD): the hash of its files would not see that source change, so its rows are hashed instead. Spark
    Connect gives the notebook no analysed plan: there only its files are hashed."""
    jdf = getattr(sdf, "_jdf", None)
    if jdf is None:
        return False
    from .spark_marks import java_items

    try:
        leaves = java_items(jdf.queryExecution().analyzed().collectLeaves())
    except Exception:  # a plan Spark cannot analyse fails the read itself, with its own clear error
        return False
    return not all(map(_fixed_or_files, leaves))


def _fixed_or_files(leaf: Any) -> bool:
    """Whether a plan's leaf reads data files (Spark's file sources, v1 or v2) or holds its rows."""
    kind = str(leaf.getClass().getSimpleName())
    if kind == "LogicalRelation":
        return str(leaf.relation().getClass().getSimpleName()) == "HadoopFsRelation"
    if kind == "DataSourceV2Relation":
        return str(leaf.table().getClass().getSuperclass().getSimpleName()) == "FileTable"
    return kind in _FIXED_LEAVES


def _rows_sha256(sdf: DataFrame) -> str:
    """A hash of the frame's rows (order does not count), computed by Spark; a failure is one clear error."""
    import hashlib

    from ..engines.spark.source import spark_error

    try:
        digest = sdf.select(_row_hash_sum(sdf).alias("h"))
        value = digest.collect()[0]["h"]
    except Exception as exc:
        raise LoadError(str(spark_error(exc, "the frame's rows"))) from None
    return hashlib.sha256(f"{value}:{','.join(sdf.columns)}".encode()).hexdigest()


def _row_hash_sum(sdf: DataFrame) -> Any:
    """The sum of the rows' 64-bit hashes; a column holding a map is hashed by its JSON text (Spark
    refuses to hash a map: two equal maps may hash differently)."""
    from pyspark.sql import functions as F

    columns = []
    for field in sdf.schema.fields:
        column = F.col("`" + field.name.replace("`", "``") + "`")
        columns.append(F.to_json(column) if "map<" in field.dataType.simpleString() else column)
    return F.sum(F.xxhash64(*columns).cast("decimal(38,0)"))
