"""What runs on Spark's executors for the erasure fingerprints: one partition's distinct identifiers
turned into the keyed digests of their normalised forms (raw values never leave the executor).

One pass over the direct-identifier columns: each Arrow batch adds its distinct values per column; at
the end of the partition, each column's distinct values are normalised as the pandas path does
(:func:`~jupyter_privacy.mask.normalise.erasure_digests`) and HMAC-ed, and only ``(column, digest)``
rows come out. Spark then drops the digests several partitions share.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    from ...mask.keys import MaskingKey

SCHEMA = "c int, d long"
"""The rows a partition gives back: target number and digest (the uint64 bits as a signed long)."""


@dataclass(frozen=True)
class Target:
    """One fingerprinted column: its entity, and the phone region the driver inferred for it."""

    entity: str
    region: str | None = None


def column_digests(distinct: pa.Array, target: Target, key: MaskingKey) -> np.ndarray:
    """Keyed digests of the normalised forms of ``distinct`` (non-null strings), as the pandas path
    computes them (``erasure_digests``), with the region decided once for the whole column."""
    from ...mask.normalise import normalise
    from ...mask.tokens import hmac_digests

    if len(distinct) == 0:
        return np.zeros(0, dtype=np.uint64)
    canonical = normalise(distinct, target.entity, target.region)
    return np.unique(hmac_digests(pc.drop_null(pc.unique(canonical)), key))


def _strings(values: pa.Array) -> pa.Array:
    """A batch's values as the pandas path's text (non-string types via its conversion)."""
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        return values
    from ...mask.tokens import _arrow_strings
    from .batch import as_pandas

    return _arrow_strings(as_pandas(values)).combine_chunks()


def partition_digests(
    batches: Iterator[pa.RecordBatch], targets: list[Target], key: MaskingKey
) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` body: the distinct digests of every target column of one partition."""
    seen: list[list[pa.Array]] = [[] for _ in targets]
    for batch in batches:
        for i in range(len(targets)):
            seen[i].append(pc.unique(_strings(batch.column(i))))
    for i, target in enumerate(targets):
        if not seen[i]:
            continue
        distinct = pc.drop_null(pc.unique(pa.chunked_array(seen[i]).cast(pa.large_string())))
        digests = column_digests(distinct, target, key)
        if len(digests):
            number = pa.array(np.full(len(digests), i, dtype=np.int32))
            yield pa.RecordBatch.from_arrays([number, pa.array(digests.view(np.int64))], ["c", "d"])
