"""The raw-value index of a Spark unmask, built by Spark: keyed fingerprints of every distinct value the
grant hands out, so a saved notebook can leave them out wherever they are displayed (a ``toPandas()``
table, a ``show()``, a ``print``), as for pandas (:mod:`jupyter_privacy.kernel.raw_outputs`).

One Spark job reads the granted columns of the unmasked frame: each partition fingerprints its distinct
values on the executor (:meth:`RawValueIndex.build`, the same canonical form and key as the pandas path)
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
    seen: dict[int, list[pa.Array]] = {}
    for batch in batches:
        for i, column in enumerate(batch.columns):
            seen.setdefault(i, []).append(_distinct(column))
    for chunks in seen.values():
        values = _distinct(pa.chunked_array(chunks).combine_chunks())
        for start in range(0, len(values), SLICE):
            # Python values, as the page shows them: a date as 2026-01-31, a number as 42
            index = RawValueIndex.build(values.slice(start, SLICE).to_pylist(), key)
            yield _rows(index)


def _distinct(values: pa.Array) -> pa.Array:
    try:
        return pc.unique(values)
    except pa.ArrowNotImplementedError:  # a nested column (struct, map): indexed value by value
        return values


def _rows(index: RawValueIndex) -> pa.RecordBatch:
    kinds = np.concatenate([np.zeros(len(index.digests)), np.ones(len(index.lengths))]).astype(np.int32)
    numbers = np.concatenate([index.digests.view(np.int64), np.array(index.lengths, dtype=np.int64)])
    return pa.RecordBatch.from_arrays([pa.array(kinds), pa.array(numbers)], ["k", "n"])


def spark_raw_index(raw: DataFrame, columns: list[str], key: MaskingKey) -> RawValueIndex:
    """The index of the distinct values of ``columns`` of ``raw`` (computed by Spark's executors)."""
    from pyspark.sql import functions as F

    body = partial(partition_index, key=key)

    def jp_raw_index(batches: Any) -> Any:  # the name the plan shows; key and values stay inside
        return body(batches)

    picked = raw.select(*[F.col("`" + c.replace("`", "``") + "`") for c in columns])
    rows: Any = picked.mapInArrow(jp_raw_index, SCHEMA).distinct().toArrow()
    kinds, numbers = rows.column("k").to_numpy(), rows.column("n").to_numpy()
    digests = np.sort(numbers[kinds == FINGERPRINT].view(np.uint64))
    return RawValueIndex(digests, tuple(sorted(int(n) for n in numbers[kinds == LENGTH])))
