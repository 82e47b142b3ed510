"""What runs on Spark's executors: one Arrow batch of one column masked by the pandas path's code.

Kept apart from the planning code so a Python worker imports only the token formula (pyarrow, polars)
for pseudonymised columns, and the recognisers only when a column needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    from ...detect.findings import ColumnFinding
    from ...mask.keys import MaskingKey
    from ...policy import Policy

_STR = pd.StringDtype("pyarrow", na_value=np.nan)


def as_pandas(values: pa.Array | pa.ChunkedArray) -> pd.Series:
    """An Arrow column as pandas reads it from Parquet (strings as pandas' Arrow-backed ``str``)."""
    return values.to_pandas(types_mapper={pa.string(): _STR, pa.large_string(): _STR}.get)


def to_arrow(series: pd.Series, arrow_type: pa.DataType) -> pa.Array:
    """A masked pandas column as the Arrow array Spark was promised."""
    arr = pa.array(series.array, from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr if arr.type == arrow_type else arr.cast(arrow_type)


def pseudonymise_batch(values: pa.Array, entity: str, key: MaskingKey, arrow_type: pa.DataType) -> pa.Array:
    """Keyed pseudonyms of one batch, byte-identical to the pandas path's.

    String columns stay in Arrow: the batch's rows are grouped by value, each distinct value is looked
    up in this worker's token cache (Python workers are reused across tasks, so after the first few
    batches nearly every value is known), only the misses are hashed, and the tokens are spread back
    over the rows as fixed-size records. Other types go through the pandas path's text conversion.
    """
    from ...mask.tokens import pseudonymise

    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return to_arrow(pseudonymise(as_pandas(values), entity, key), arrow_type)
    return _pseudonymise_strings(values, entity, key).cast(arrow_type)


CACHE_LIMIT = 1_000_000
"""Distinct values a worker keeps tokens for (per key and entity); beyond that it starts afresh."""
MERGE_AT = 20_000
_CACHES: dict[tuple[str, bool], TokenCache] = {}


def _pseudonymise_strings(values: pa.Array, entity: str, key: MaskingKey) -> pa.Array:
    from ...mask.tokens import _spread, _token_records, group_rows

    nulls = values.is_null().to_numpy(zero_copy_only=False) if values.null_count else None
    if len(values) == values.null_count:
        return pa.nulls(len(values), pa.large_string())
    codes, distinct = group_rows(pa.chunked_array([values]))
    return _spread(_token_records(cached_hex(distinct, entity, key), entity), codes, nulls)


def cached_hex(distinct: pa.Array, entity: str, key: MaskingKey) -> np.ndarray:
    """The token digits (``(n, 16)`` uint8) of each raw value: from the worker's cache when known,
    else normalised, HMAC-ed (polars-hash) and remembered."""
    from ...mask.tokens import _hex_rows, _normalised, hmac_hex

    cache = _cache(key.key_id, entity == "EMAIL_ADDRESS")
    hashes = _hash64(distinct)
    hexes, hit = cache.find(hashes, distinct)
    if not hit.all():
        miss = np.flatnonzero(~hit)
        missed = distinct.take(pa.array(miss))
        fresh = _hex_rows(hmac_hex(_normalised(missed, entity), key))
        hexes[miss] = fresh
        cache.add(hashes[miss], missed, fresh)
    return hexes


def _cache(key_id: str, email: bool) -> TokenCache:
    """This worker's cache for a key (e-mail addresses apart: they are keyed lower-cased); created once
    (a table of 2**21 slots is too big to build on every batch)."""
    cache = _CACHES.get((key_id, email))
    if cache is None:
        cache = _CACHES[(key_id, email)] = TokenCache()
    return cache


def _hash64(values: pa.Array) -> np.ndarray:
    """A fast 64-bit hash of each value (polars), to find candidates in the cache (then checked)."""
    import polars as pl

    return pl.Series(values=values).hash(seed=0).to_numpy()


class TokenCache:
    """Raw value -> token digits: a direct-mapped table indexed by a 64-bit hash of the value.

    A look-up is one vectorised gather plus an exact comparison of the values found, so a hash
    collision can only cause a miss (the value is then hashed again), never a wrong token. Values
    sharing a slot evict each other; with the table several times larger than the cache, few do.
    """

    SLOT_BITS = 21

    def __init__(self) -> None:
        slots = 1 << self.SLOT_BITS
        self.slot_hash = np.zeros(slots, dtype=np.uint64)
        self.slot_entry = np.full(slots, -1, dtype=np.int64)
        self.values: pa.Array = pa.array([], pa.large_string())
        self.hexes = np.zeros((0, 16), dtype=np.uint8)
        self.pending: list[tuple[np.ndarray, pa.Array, np.ndarray]] = []
        self.pending_rows = 0

    def _slots(self, hashes: np.ndarray) -> np.ndarray:
        return (hashes >> np.uint64(64 - self.SLOT_BITS)).astype(np.int64)

    def find(self, hashes: np.ndarray, values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
        out = np.zeros((len(hashes), 16), dtype=np.uint8)
        slots = self._slots(hashes)
        entry = self.slot_entry[slots]
        hit = (entry >= 0) & (self.slot_hash[slots] == hashes)
        candidates = np.flatnonzero(hit)
        if len(candidates):
            cached = self.values.take(pa.array(entry[candidates]))
            given = values if len(candidates) == len(values) else values.take(pa.array(candidates))
            given = given.cast(pa.large_string())
            same = pc.equal(cached, given).to_numpy(zero_copy_only=False)
            hit[candidates[~same]] = False
        out[hit] = self.hexes[entry[hit]]
        return out, hit

    def add(self, hashes: np.ndarray, values: pa.Array, hexes: np.ndarray) -> None:
        self.pending.append((hashes, values.cast(pa.large_string()), hexes))
        self.pending_rows += len(hashes)
        if self.pending_rows >= MERGE_AT:
            self._merge()

    def _merge(self) -> None:
        if len(self.values) + self.pending_rows > CACHE_LIMIT:
            self.__init__()  # type: ignore[misc]
            return
        base = len(self.values)
        hashes = np.concatenate([p[0] for p in self.pending])
        self.values = pa.concat_arrays([self.values, *(p[1] for p in self.pending)])
        self.hexes = np.concatenate([self.hexes, *(p[2] for p in self.pending)])
        self.pending, self.pending_rows = [], 0
        slots = self._slots(hashes)
        self.slot_hash[slots] = hashes
        self.slot_entry[slots] = np.arange(base, base + len(hashes))


def mask_batch(
    values: pa.Array, finding: ColumnFinding, policy: Policy, key: MaskingKey, arrow_type: pa.DataType
) -> pa.Array:
    """Any other strategy (generalise, redact, free text) of one batch, as :func:`mask_frame` does it."""
    from ...mask.frame import mask_series

    return to_arrow(mask_series(as_pandas(values), finding, policy, key), arrow_type)
