"""The raw-value index of a Spark unmask, built by Spark: keyed fingerprints of every distinct value the
grant hands out, so a saved notebook can leave them out wherever they are displayed (a ``toPandas()``
table, a ``show()``, a ``print``), as for pandas (:mod:`jupyter_privacy.kernel.raw_outputs`).

One Spark job reads the granted columns of the unmasked frame, each in the forms a page shows it: the
value as Python has it (``collect()``, ``toPandas()``), a timestamp at this machine's local time (as
``collect()`` gives it), the leaves of an array, map or struct (one element printed alone), and, for a
column that is not a string, Spark's own text of it (``show()``, a timestamp in the session time zone,
``[a, b]``, ``{k -> v}``); each long text is also indexed as ``show()`` and pandas cut it
(:data:`~jupyter_privacy.mask.raw_index.CUT_WIDTHS`). Each partition fingerprints its distinct values
on the executor (:meth:`RawValueIndex.build`, the same canonical form and key as the pandas path)
and gives back only ``(kind, number)`` rows -- fingerprints and the word counts among them. The raw
values never leave the executors; the driver merges the partitions' rows into one index.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...mask.raw_index import RawValueIndex

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from ...mask.keys import MaskingKey

SCHEMA = "k int, n long"
"""Rows a partition gives back: kind (0: a fingerprint, its uint64 bits as a signed long; 1: a word
count that occurs among the values) and the number."""
FINGERPRINT, LENGTH = 0, 1


SLICE = 65_536
"""Distinct values turned into Python objects at a time (bounds a worker's memory)."""


def partition_index(batches: Iterator[pa.RecordBatch], key: MaskingKey) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` body: one partition's distinct values of every column, fingerprinted."""
    seen: dict[tuple[int, int], list[pa.Array]] = {}
    for batch in batches:
        for i, column in enumerate(batch.columns):
            for j, leaf in enumerate(leaves(column)):
                seen.setdefault((i, j), []).append(_distinct(leaf))
    for chunks in seen.values():
        values = _distinct(pa.chunked_array(chunks, type=chunks[0].type).combine_chunks())
        for start in range(0, len(values), SLICE):
            # Python values, as the page shows them: a date as 2026-01-31, a number as 42
            python = _python(values.slice(start, SLICE))
            yield _rows(RawValueIndex.build(python, key))
            if pa.types.is_timestamp(values.type) or pa.types.is_date(values.type):
                # as a printed Row shows it, datetime.date(1951, 6, 19); never in a cell, so never cut
                yield _rows(RawValueIndex.build([repr(v) for v in python if v is not None], key, cut=False))


def leaves(values: pa.Array) -> list[pa.Array]:
    """The atomic values inside ``values``: itself, or the elements, keys, values and fields it nests."""
    kind = values.type
    if pa.types.is_map(kind):
        return leaves(values.keys) + leaves(values.items)  # (of a sliced array: all its rows, all raw)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return leaves(values.flatten())
    if pa.types.is_struct(kind):
        return [leaf for field in values.flatten() for leaf in leaves(field)]
    return [values]


def _python(values: pa.Array) -> list[Any]:
    """Python values; a zoned timestamp at this machine's local time without its zone, as ``collect()``
    and ``str()`` show it (the session's zone is Spark's text of it)."""
    if pa.types.is_timestamp(values.type) and values.type.tz is not None:
        return [v if v is None else v.astimezone().replace(tzinfo=None) for v in values.to_pylist()]
    return values.to_pylist()


def _distinct(values: pa.Array) -> pa.Array:
    try:
        return pc.unique(values)
    except pa.ArrowNotImplementedError:  # a type Arrow cannot hash: indexed value by value
        return values


def _rows(index: RawValueIndex) -> pa.RecordBatch:
    kinds = np.concatenate([np.zeros(len(index.digests)), np.ones(len(index.lengths))]).astype(np.int32)
    numbers = np.concatenate([index.digests.view(np.int64), np.array(index.lengths, dtype=np.int64)])
    return pa.RecordBatch.from_arrays([pa.array(kinds), pa.array(numbers)], ["k", "n"])


def spark_raw_index(raw: DataFrame, columns: list[str], key: MaskingKey) -> RawValueIndex:
    """The index of the distinct values of ``columns`` of ``raw`` (computed by Spark's executors)."""
    body = partial(partition_index, key=key)

    def jp_raw_index(batches: Any) -> Any:  # the name the plan shows; key and values stay inside
        return body(batches)

    forms = [form for c in columns for form in _forms(raw, c)]
    picked = raw.select(*[form.alias(f"v{i}") for i, form in enumerate(forms)])  # cast keeps the name
    rows: Any = picked.mapInArrow(jp_raw_index, SCHEMA).distinct().toArrow()
    kinds, numbers = rows.column("k").to_numpy(), rows.column("n").to_numpy()
    digests = np.sort(numbers[kinds == FINGERPRINT].view(np.uint64))
    return RawValueIndex(digests, tuple(sorted(int(n) for n in numbers[kinds == LENGTH])))


def _forms(raw: DataFrame, column: str) -> list[Any]:
    """``column`` as it is, and (unless a string) as Spark's own text of it, as ``show()`` prints it."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import BinaryType, StringType

    value = F.col("`" + column.replace("`", "``") + "`")
    kind = raw.schema[column].dataType
    if isinstance(kind, StringType):
        return [value]
    if isinstance(kind, BinaryType):  # show() prints bytes as [73 65 63 ...]
        return [value, F.concat(F.lit("["), F.regexp_replace(F.hex(value), "(..)(?=.)", "$1 "), F.lit("]"))]
    return [value, value.cast("string")]
