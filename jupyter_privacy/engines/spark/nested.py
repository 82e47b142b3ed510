"""Nested Spark columns as flat ones, so they can be scanned and masked, laid out as the pandas path lays
out nested JSON (:mod:`jupyter_privacy.io.nested`): a struct's fields become columns named
``contact.email`` (at any depth), an array or a map its JSON text as Python's ``json.dumps`` writes it
(the pandas path's text: ``", "`` and ``": "`` between items, so it is scanned as free text and the
addresses inside are found and masked; Spark's own ``to_json`` writes no spaces, and a compact
``{"work":"ann@example.org"}`` reads as one structured value the address only partly covers). Lazy: Spark
computes the flat columns when it reads the frame (the JSON text in an Arrow UDF)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pyarrow as pa

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def flatten_nested(sdf: DataFrame) -> DataFrame:
    """``sdf`` with nested columns flattened; the same object when no column is nested."""
    from pyspark.sql import functions as F

    fields = sdf.schema.fields
    if not any(_nested(f.dataType) for f in fields):
        return sdf
    columns: list[Any] = []
    for field in fields:
        columns += _flat(F.col("`" + field.name.replace("`", "``") + "`"), field.name, field.dataType)
    return sdf.select(*columns)


def _nested(kind: Any) -> bool:
    from pyspark.sql.types import ArrayType, MapType, StructType

    return isinstance(kind, (ArrayType, MapType, StructType))


def _flat(column: Any, name: str, kind: Any) -> list[Any]:
    from pyspark.sql import functions as F
    from pyspark.sql.types import StructType

    if isinstance(kind, StructType) and kind.fields:
        return [
            c for f in kind.fields for c in _flat(column.getField(f.name), f"{name}.{f.name}", f.dataType)
        ]
    if _nested(kind):
        arrow_udf: Any = F.arrow_udf
        return [arrow_udf(json_texts, "string")(column).alias(name)]
    return [column.alias(name)]


def json_texts(values: pa.Array) -> pa.Array:
    """Each nested value as the pandas path's JSON text (a map as its ``[key, value]`` pairs, as pandas
    reads a Parquet map); a missing value stays missing."""
    texts = [
        None if v is None else json.dumps(v, ensure_ascii=False, sort_keys=True, default=str)
        for v in values.to_pylist()
    ]
    return pa.array(texts, pa.string())
