"""Spark sources: a path (Parquet, CSV, JSON; a file or a folder of part files) or a table, read
lazily, plus the content hash an unmask checks, and Spark's failures as one clear error."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from ...io import DataReadError, describe_error

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

FORMATS = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
    ".json": "json",
    ".jsonl": "json",
    ".ndjson": "json",
}
_BLOCK = 8 * 1024 * 1024


@dataclass(frozen=True)
class SparkSource:
    """Where a Spark load reads from: a local ``path`` or a file-system ``uri`` (``s3a://``, ``hdfs://``,
    ``abfss://``, ``file:/`` ...: anything Spark's Hadoop file systems read) + ``fmt``, or a catalogue
    ``table``."""

    path: Path | None = None
    fmt: str | None = None
    table: str | None = None
    uri: str | None = None
    header: bool = True
    """A CSV's first line is its header (False: a file without one; columns ``column_1``, ...)."""

    @property
    def description(self) -> str:
        return f"table:{self.table}" if self.table else shown_uri(self.uri or str(self.path))

    def read(self, spark: SparkSession) -> DataFrame:
        """The source as a Spark DataFrame (lazy); Spark's refusal becomes a :class:`DataReadError`."""
        try:
            if self.table:
                sdf = spark.table(self.table)
                sdf.columns  # noqa: B018 -- Spark Connect reads lazily: an unknown table fails here
                return sdf
            reader = spark.read.format(self.fmt or "parquet")
            if self.fmt == "csv":
                reader = reader.option("header", self.header).option("inferSchema", True)
            sdf = reader.load(self.uri or str(self.path))
            width = len(sdf.columns)  # Spark Connect reads lazily: a file it cannot read fails here
            return sdf if self.header else sdf.toDF(*[f"column_{i}" for i in range(1, width + 1)])
        except Exception as exc:
            raise spark_error(exc, self.description) from None

    def content_sha256(self, files: list[str] | None = None, spark: SparkSession | None = None) -> str:
        """SHA-256 over the source's data files: read here when they are local files, else (a source named
        by a URI, or a table whose files are not local) hashed file by file by the cluster (see
        :func:`cluster_sha256`; ``spark`` is then needed). Each file counts with its path inside the
        source (``year=2024/part-0.parquet``: renaming a partition folder changes the data)."""
        if self.path is not None:
            return local_sha256(_data_files(self.path), self.path if self.path.is_dir() else self.path.parent)
        if self.uri is not None:  # named by its file system's URI: hashed where Spark reads it
            base, found = _listing(_need(spark), self.uri)
            return cluster_sha256(_need(spark), found, base)
        uris = [unquote(u) for u in files or []]  # a table's or a frame's input files: %-encoded URIs
        if all(_is_local(u) for u in uris):
            return local_sha256([_local(u) for u in uris])
        return cluster_sha256(_need(spark), uris)


def local_sha256(paths: list[Path], root: Path | None = None) -> str:
    """SHA-256 over local files (each one's path below ``root``, else below their common folder, and its
    bytes, in the order given)."""
    h = hashlib.sha256()
    for path, name in zip(paths, _names([str(p) for p in paths], str(root) if root else None), strict=True):
        h.update(name.encode("utf-8") + b"\x00")
        with path.open("rb") as fh:
            for block in iter(partial(fh.read, _BLOCK), b""):
                h.update(block)
    return h.hexdigest()


def cluster_sha256(spark: SparkSession, uris: list[str], root: str | None = None) -> str:
    """SHA-256 over files on a cluster's file system (S3, HDFS, ABFS ...), without bringing their bytes to
    the driver: Spark's ``binaryFile`` source reads each file on an executor and ``sha2`` digests it in the
    JVM; the driver hashes the files' paths (below ``root``, else below their common folder) and digests,
    in path order. A file over Spark's binary-file limit (2 GB) fails with Spark's error, as one clear
    message."""
    from pyspark.sql import functions as F

    if not uris:
        return hashlib.sha256().hexdigest()
    try:
        rows = (
            spark.read.format("binaryFile")
            .load(uris)
            .select("path", F.sha2(F.col("content"), 256).alias("digest"))
            .collect()
        )
    except Exception as exc:
        where = uris[0] if len(uris) == 1 else f"{uris[0]} (+{len(uris) - 1} files)"
        raise spark_error(exc, shown_uri(where)) from None
    rows = sorted(rows, key=lambda r: str(r["path"]))
    h = hashlib.sha256()
    for row, name in zip(rows, _names([str(r["path"]) for r in rows], root), strict=True):
        h.update(name.encode("utf-8") + b"\x00" + bytes.fromhex(row["digest"]))
    return h.hexdigest()


def _names(paths: list[str], root: str | None) -> list[str]:
    """Each path below ``root`` (else below the paths' common folder); a path not below it, its name."""
    if root is None:
        folders = [p.split("/")[:-1] for p in paths]
        common = folders[0] if folders else []
        for parts in folders[1:]:
            while parts[: len(common)] != common:
                common = common[:-1]
        root = "/".join(common)
    prefix = root.rstrip("/") + "/"
    return [p[len(prefix) :] if p.startswith(prefix) else p.rsplit("/", 1)[-1] for p in paths]


def hadoop_files(spark: SparkSession, uri: str) -> list[str]:
    """The data files at ``uri`` (a file, or a folder's files at any depth; names starting with ``_`` or
    ``.``, and anything under such a folder, skipped as Spark does, and a copy in progress, ``._COPYING_``,
    that Spark does not read), as Spark's file index lists them on its Hadoop file systems."""
    return _listing(spark, uri)[1]


def _listing(spark: SparkSession, uri: str) -> tuple[str, list[str]]:
    """The qualified ``uri`` and the data files below it (see :func:`hadoop_files`). A ``uri`` holding glob
    characters (``events/2026-*/``, ``part-{0,1}.parquet``) is a pattern, as Spark reads it (even when a
    file of that very name exists: Spark reads ``d[1]`` as ``d1``): the files of every match, and the
    pattern's folder (its part before the first glob character) as the base their names are taken below.
    A fixed number of Py4J calls, whatever the number of files (see :func:`_spark_files`)."""
    jvm: Any = getattr(spark, "_jvm", None)
    if jvm is None:  # Spark Connect: no Hadoop file system in the notebook
        return _connect_listing(spark, uri)
    pattern = has_glob(uri)
    root = jvm.org.apache.hadoop.fs.Path(uri)
    try:
        fs = root.getFileSystem(spark._jsc.hadoopConfiguration())
        base = str(fs.makeQualified(jvm.org.apache.hadoop.fs.Path(_glob_base(uri)) if pattern else root))
        base = base.rstrip("/")
        found = _spark_files(spark, uri) if pattern else _at(spark, fs, root, base, uri)
    except DataReadError:
        raise
    except Exception as exc:
        raise _listing_error(exc, uri, pattern) from None
    return base, _visible(found, base)


def _connect_listing(spark: SparkSession, uri: str) -> tuple[str, list[str]]:
    """:func:`_listing` on Spark Connect: the server's file index lists the files (the ``binaryFile``
    source's ``inputFiles``, one round trip) and a path that does not exist is Spark's PATH_NOT_FOUND.
    The base is the URI as given, in Hadoop's form (``file:///a`` is ``file:/a``), not qualified by a
    file system (the notebook has none): the names below it are the same at the load and the unmask."""
    pattern = has_glob(uri)
    base = _hadoop_path(_glob_base(uri) if pattern else uri).rstrip("/")
    try:
        reader = spark.read.format("binaryFile").option("recursiveFileLookup", "true")
        found = [_hadoop_path(f) for f in reader.load(uri).inputFiles()]
    except Exception as exc:
        raise _listing_error(exc, uri, pattern) from None
    return base, _visible(found, base)


def _listing_error(exc: Exception, uri: str, pattern: bool) -> DataReadError:
    """One clear error for a listing that failed (the URI shown without credentials)."""
    if pattern and _condition(exc) == "PATH_NOT_FOUND":
        return DataReadError(f"{shown_uri(uri)}: no file or folder matches this pattern; check the path")
    return spark_error(exc, shown_uri(uri))


def _visible(found: list[str], base: str) -> list[str]:
    """The files listed, sorted and once each, without hidden names below ``base``."""
    return sorted(set(f for f in found if not _hidden(f[len(base) :] if f.startswith(base) else f)))


def _at(spark: SparkSession, fs: Any, root: Any, qualified: str, uri: str) -> list[str]:
    """A file named on its own (listed whatever its name, as Spark reads it), else a folder's files."""
    if not fs.exists(root):
        raise DataReadError(f"{shown_uri(uri)}: no such file or folder; check the path")
    return [qualified] if fs.getFileStatus(root).isFile() else _spark_files(spark, qualified)


def _spark_files(spark: SparkSession, location: str) -> list[str]:
    """Every file Spark reads at ``location`` (a folder or a pattern), at any depth: Spark's own file index
    lists them (``recursiveFileLookup``; the ``binaryFile`` source has a fixed schema, so no file is opened)
    and skips the names Spark skips; the paths come to Python joined in ONE string (a Java array crosses
    Py4J element by element), %-decoded (Spark gives URIs). Iterating Hadoop's ``listFiles`` from Python
    took ~4 Py4J calls per file (see benchmarks/spark_listing.py)."""
    jvm: Any = spark._jvm
    files = (
        spark.read.format("binaryFile").option("recursiveFileLookup", "true").load(location)._jdf.inputFiles()
    )
    joined = str(jvm.org.apache.hadoop.util.StringUtils.join(_SEPARATOR, files))
    return [_hadoop_path(f) for f in joined.split(_SEPARATOR)] if joined else []


_SEPARATOR = "\x00"  # cannot occur in a path


def _hadoop_path(uri: str) -> str:
    """A file's URI as Hadoop's ``Path.toString()`` gives it (what ``listFiles`` gave): %-decoded, and no
    empty authority (``file:///tmp/a%20b`` is ``file:/tmp/a b``; ``s3a://bucket/k`` stays)."""
    scheme, authority, path = _URI.match(uri).groups()  # type: ignore[union-attr]
    return f"{scheme}:{'//' + unquote(authority) if authority else ''}{unquote(path)}"


_URI = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):(?://([^/]*))?(.*)$", re.DOTALL)


GLOB_CHARACTERS = "*?[{"


def has_glob(source: str) -> bool:
    """Whether ``source`` holds a character Hadoop's glob patterns give a meaning (``* ? [ {``)."""
    return any(c in source for c in GLOB_CHARACTERS)


def _glob_base(pattern: str) -> str:
    """The folder a pattern starts in: its path up to the last ``/`` before its first glob character."""
    first = min(i for i in (pattern.find(c) for c in GLOB_CHARACTERS) if i >= 0)
    return pattern[: pattern.rfind("/", 0, first) + 1] or "/"


def _hidden(relative: str) -> bool:
    """Whether Spark skips a path (below the source): a name in it starts with ``.``, or with ``_`` and is
    not a partition folder (``_shard=1`` is read), as Spark's ``shouldFilterOutPathName`` decides."""
    return any(_skipped(part) for part in relative.split("/") if part)


def _skipped(name: str) -> bool:
    return name.startswith(".") or (name.startswith("_") and "=" not in name)


def shown_uri(uri: str) -> str:
    """``uri`` as a message or a record may quote it: a password in it (``s3a://key:secret@bucket``) as ``***``."""
    return _PASSWORD.sub(r"\1***@", uri)


_PASSWORD = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://[^/@:]*:)[^/@]*@")


def _is_local(uri: str) -> bool:
    return uri.startswith("file:") or "://" not in uri


def _need(spark: SparkSession | None) -> SparkSession:
    if spark is None:
        raise ValueError("hashing files on a cluster file system needs the Spark session")
    return spark


def resolve(
    source: str | Path,
    *,
    fmt: str | None = None,
    table: str | None = None,
    spark: SparkSession | None = None,
) -> SparkSource:
    """Check a path or URI exists and pick its format (from its suffix, or its part files' suffix)."""
    if table:
        return SparkSource(table=table)
    if is_uri(str(source)):  # s3a://..., hdfs://..., file:/...: Spark's file systems
        uri = str(source)
        files = hadoop_files(_need(spark), uri)
        return SparkSource(fmt=fmt or _format(shown_uri(uri), [f.rsplit("/", 1)[-1] for f in files]), uri=uri)
    path = Path(source).expanduser().resolve()
    if has_glob(str(path)):  # a pattern, as Spark reads it: Hadoop's globs decide the files
        return resolve(f"file:{path.as_posix()}", fmt=fmt, spark=spark)
    if not path.exists():
        raise DataReadError(f"{path}: no such file or folder; check the path")
    names = [path.name] if path.is_file() else [f.name for f in _data_files(path)]
    return SparkSource(path=path, fmt=fmt or _format(str(path), names))


def is_uri(source: str) -> bool:
    """Whether ``source`` names a file system by its scheme (``s3a://``, ``hdfs:/``, ``file:/``), not a path."""
    return bool(_SCHEME.match(source))


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:/")  # two letters at least: C:/ is a Windows drive


def _format(where: str, names: list[str]) -> str:
    """The one format the files' suffixes name, else a clear error asking for it."""
    found = {FORMATS[s] for s in (Path(n).suffix.lower() for n in names) if s in FORMATS}
    if len(found) != 1:
        raise DataReadError(
            f"{where}: cannot tell the format from its name; pass the format "
            f"(--format parquet|csv|json, or format=...), one of {sorted(set(FORMATS.values()))}"
        )
    return found.pop()


def _data_files(path: Path) -> list[Path]:
    """A file, or a folder's data files (names starting with ``_`` or ``.`` below it, and anything under
    such a folder, skipped as Spark does: ``_SUCCESS``, ``_temporary/``, ``.crc``)."""
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p.relative_to(path).as_posix()))


def _local(uri: str) -> Path:
    return Path(uri[len("file:") :] if uri.startswith("file:") else uri)


def spark_error(exc: BaseException, where: str, action: str = "read") -> DataReadError:
    """One clear error from a Spark failure: its error class (or the Java exception's class) and what
    to do; Spark's own text only with every quoted fragment blanked (it can quote a value). ``action``:
    what Spark could not do ("read", or "write" for a failed write)."""
    condition = _condition(exc) or _java_condition(exc)
    if condition == "PATH_NOT_FOUND":
        return DataReadError(f"{where}: Spark found no such path; check it (Spark error PATH_NOT_FOUND)")
    if condition in ("TABLE_OR_VIEW_NOT_FOUND", "UNRESOLVED_ROUTINE"):
        return DataReadError(f"{where}: no such table in Spark's catalogue; check the name ({condition})")
    if condition in _NAME_CONDITIONS:  # its SCHEMA is a database's, not the data's
        return DataReadError(f"{where}: not a table name Spark accepts; check the name ({condition})")
    if condition and any(word in condition.upper() for word in _SCHEMA_WORDS):
        return DataReadError(
            f"{where}: the data does not match its schema ({condition}); the part files disagree on a "
            "column's type or a given schema is wrong -- fix the files or read them with a matching schema"
        )
    from_server = hasattr(exc, "java_exception") or type(exc).__module__ == _CONNECT_ERRORS
    detail = "" if from_server else f": {describe_error(exc, 200)}"  # a server's text may quote a value
    return DataReadError(f"{where}: Spark could not {action} it ({condition or type(exc).__name__}{detail})")


_CONNECT_ERRORS = "pyspark.errors.exceptions.connect"  # a Spark Connect server's errors (JVM stack inside)
_NAME_CONDITIONS = ("INVALID_SCHEMA_OR_RELATION_NAME", "INVALID_IDENTIFIER")
_SCHEMA_WORDS = ("SCHEMA", "CONVERT", "CAST", "MERGE", "DATA_TYPE", "MISMATCH")


def _condition(exc: BaseException) -> str | None:
    get: Any = getattr(exc, "getCondition", None) or getattr(exc, "getErrorClass", None)
    try:
        value = get() if callable(get) else None
    except Exception:
        value = None
    if value:
        return str(value)
    cause = exc.__cause__ or exc.__context__
    return _condition(cause) if cause is not None else None


def _java_condition(exc: BaseException) -> str | None:
    """The innermost Spark error class (or Java exception class) of a Py4J error's Java cause chain."""
    java = getattr(exc, "java_exception", None)
    innermost = None
    for _ in range(12):
        if java is None:
            break
        try:
            condition = java.getCondition()
        except Exception:  # not a SparkThrowable
            condition = None
        if condition:
            return str(condition)
        innermost = str(java.getClass().getSimpleName())
        java = java.getCause()
    return innermost
