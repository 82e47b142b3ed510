"""Spark sources: a path (Parquet, CSV, JSON; a file or a folder of part files) or a table, read
lazily, plus the content hash an unmask checks, and Spark's failures as one clear error."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    """Where a Spark load reads from: ``path`` + ``fmt``, or a catalogue ``table``."""

    path: Path | None = None
    fmt: str | None = None
    table: str | None = None

    @property
    def description(self) -> str:
        return f"table:{self.table}" if self.table else str(self.path)

    def read(self, spark: SparkSession) -> DataFrame:
        """The source as a Spark DataFrame (lazy); Spark's refusal becomes a :class:`DataReadError`."""
        try:
            if self.table:
                return spark.table(self.table)
            reader = spark.read.format(self.fmt or "parquet")
            if self.fmt == "csv":
                reader = reader.option("header", True).option("inferSchema", True)
            return reader.load(str(self.path))
        except Exception as exc:
            raise spark_error(exc, self.description) from None

    def content_sha256(self, files: list[str] | None = None) -> str:
        """SHA-256 over the source's data files (relative name and bytes, in name order)."""
        paths = _data_files(self.path) if self.path is not None else [_local(f) for f in files or []]
        h = hashlib.sha256()
        for path in paths:
            h.update(path.name.encode("utf-8") + b"\x00")
            with path.open("rb") as fh:
                for block in iter(partial(fh.read, _BLOCK), b""):
                    h.update(block)
        return h.hexdigest()


def resolve(source: str | Path, *, fmt: str | None = None, table: str | None = None) -> SparkSource:
    """Check a path exists and pick its format (from its suffix, or its part files' suffix)."""
    if table:
        return SparkSource(table=table)
    path = Path(source).expanduser().resolve()
    if not path.exists():
        raise DataReadError(f"{path}: no such file or folder; check the path")
    if fmt is None:
        suffixes = {path.suffix.lower()} if path.is_file() else {f.suffix.lower() for f in _data_files(path)}
        found = {FORMATS[s] for s in suffixes if s in FORMATS}
        if len(found) != 1:
            raise DataReadError(
                f"{path}: cannot tell the format from its name; pass the format "
                f"(--format parquet|csv|json, or format=...), one of {sorted(set(FORMATS.values()))}"
            )
        fmt = found.pop()
    return SparkSource(path=path, fmt=fmt)


def _data_files(path: Path) -> list[Path]:
    """A file, or a folder's data files (Spark's ``_SUCCESS`` and hidden files skipped)."""
    if path.is_file():
        return [path]
    return sorted(
        p for p in path.rglob("*") if p.is_file() and not p.name.startswith(("_", ".")) and "/." not in str(p)
    )


def _local(uri: str) -> Path:
    return Path(uri[len("file:") :] if uri.startswith("file:") else uri)


def spark_error(exc: BaseException, where: str) -> DataReadError:
    """One clear error from a Spark failure: its error class (or the Java exception's class) and what
    to do; Spark's own text only with every quoted fragment blanked (it can quote a value)."""
    condition = _condition(exc) or _java_condition(exc)
    if condition == "PATH_NOT_FOUND":
        return DataReadError(f"{where}: Spark found no such path; check it (Spark error PATH_NOT_FOUND)")
    if condition in ("TABLE_OR_VIEW_NOT_FOUND", "UNRESOLVED_ROUTINE"):
        return DataReadError(f"{where}: no such table in Spark's catalogue; check the name ({condition})")
    if condition and any(word in condition.upper() for word in _SCHEMA_WORDS):
        return DataReadError(
            f"{where}: the data does not match its schema ({condition}); the part files disagree on a "
            "column's type or a given schema is wrong -- fix the files or read them with a matching schema"
        )
    detail = "" if hasattr(exc, "java_exception") else f": {describe_error(exc, 200)}"
    return DataReadError(f"{where}: Spark could not read it ({condition or type(exc).__name__}{detail})")


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
