"""Keyed, deterministic pseudonyms: HMAC-SHA256 over distinct values, vectorised.

The same value gives the same token under the same key in every table, notebook and session, so
joins and group-bys keep working; without the key no token can be reversed or recomputed.

A column is masked in three vectorised steps, each of which releases the GIL:

1. group the rows by value (Arrow's dictionary encoding, straight on pandas' chunked Arrow strings);
2. hash each distinct value once with polars-hash's Rust HMAC-SHA256 (identical to
   ``hmac.new(key, value, sha256)``);
3. spread the tokens back over the rows. Every token of a column has the same byte length, so the
   masked column is a gather of fixed-size records plus arithmetic offsets.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import polars_hash  # noqa: F401  (registers the .chash namespace)
import pyarrow as pa
import pyarrow.compute as pc

from .keys import MaskingKey

HMAC_SPLIT = 20_000
TOKEN_HEX = 16  # 64 bits: no collisions to speak of below billions of distinct values
_STR = {
    pa.large_string(): pd.StringDtype("pyarrow", na_value=np.nan),
    pa.string(): pd.StringDtype("pyarrow", na_value=np.nan),
}
_HEX_VALUE = np.zeros(256, dtype=np.uint8)
for _i, _c in enumerate("0123456789abcdef"):
    _HEX_VALUE[ord(_c)] = _HEX_VALUE[ord(_c.upper())] = _i

# readable token shapes: PREFIX + hex + SUFFIX
_SHAPES = {
    "EMAIL_ADDRESS": ("EMAIL_", "@masked.invalid"),
    "PHONE_NUMBER": ("PHONE_", ""),
}


def token_shape(entity: str) -> tuple[str, str]:
    return _SHAPES.get(entity, (f"{entity}_", ""))


@dataclass
class Pseudonyms:
    """A pseudonymised column and the 64-bit HMAC digest of each of its distinct values."""

    series: pd.Series
    digests: np.ndarray  # uint64, distinct, nulls excluded: what the erasure fingerprints need


def _arrow_strings(series: pd.Series) -> pa.ChunkedArray:
    """The column as Arrow strings (zero-copy for pandas' Arrow-backed strings)."""
    values = series
    if pd.api.types.is_float_dtype(values.dtype):
        return pa.chunked_array([_float_strings(values)])
    try:
        arr = (  # from_pandas: NaN is a missing value, never the text "nan" hashed into a pseudonym
            pa.array(values.array, from_pandas=True)
            if not isinstance(values.dtype, pd.CategoricalDtype)
            else None
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        arr = None
    if arr is None:
        arr = pa.array(values.astype("str").array)
    chunked = arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr])
    if pa.types.is_dictionary(chunked.type):
        chunked = pa.chunked_array([c.dictionary_decode() for c in chunked.chunks], chunked.type.value_type)
    if not (pa.types.is_string(chunked.type) or pa.types.is_large_string(chunked.type)):
        chunked = pc.cast(chunked, pa.large_string())
    return chunked


def _float_strings(values: pd.Series) -> pa.Array:
    """A float column as text, value by value: a whole number as an integer (``4111111111111111.0`` ->
    ``"4111111111111111"``), any other number as Arrow writes it (``1.5``), NaN as missing.

    Decided per value, never per column or per batch, so a value's token does not depend on the other
    values beside it (a Spark batch, a pandas column and an erasure look-up all see the same text)."""
    floats = values.to_numpy(dtype=float, na_value=np.nan)
    arr = pa.array(values.array, from_pandas=True)  # NaN is a missing value, never the text "nan"
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    text = pc.cast(arr, pa.large_string())
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(floats) & (floats == np.round(floats)) & (np.abs(floats) < 2.0**63)
    if not whole.any():
        return text
    integers = pc.cast(pa.array(np.where(whole, floats, 0).astype(np.int64)), pa.large_string())
    return pc.if_else(pa.array(whole), integers, text)


def _normalised(values: pa.Array, entity: str) -> pa.Array:
    """Trimmed text of each distinct value; e-mail addresses lower-cased (they are case-insensitive)."""
    out = pc.utf8_trim_whitespace(values)
    return pc.utf8_lower(out) if entity == "EMAIL_ADDRESS" else out


def group_rows(values: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """A group code for every row (int32) and the distinct values in code order (Arrow's dictionary
    encoding, chunk by chunk with one shared dictionary). Null rows get a code of their own whose
    value is the empty string; callers mask them out by the input's validity."""
    encoded = pc.dictionary_encode(values)
    dictionary = (
        encoded.chunk(encoded.num_chunks - 1).dictionary if encoded.num_chunks else pa.array([], values.type)
    )
    indices = pa.chunked_array([c.indices for c in encoded.chunks], pa.int32()).combine_chunks()
    if indices.null_count:
        dictionary = pa.concat_arrays([dictionary, pa.array([""], dictionary.type)])
        indices = pc.fill_null(indices, len(dictionary) - 1)
    return indices.to_numpy(zero_copy_only=False), dictionary


def hmac_hex(values: pa.Array, key: MaskingKey) -> pl.Series:
    """The first ``TOKEN_HEX`` hex digits of HMAC-SHA256(key, value) of each value, in order.

    Large inputs go to polars in two chunks: it hashes the chunks on two threads, which keeps both
    cores busy when this is the last column still being masked.
    """
    half = len(values) // 2
    pieces = [values.slice(0, half), values.slice(half)] if half >= HMAC_SPLIT else [values]
    frame = pl.DataFrame({"v": pl.from_arrow(pa.chunked_array(pieces, values.type))})
    digest = pl.col("v").chash.hmac_sha256(key=key.secret)  # type: ignore[attr-defined]
    return frame.select(digest.str.slice(0, TOKEN_HEX)).to_series()


def token_for(value: str, key: MaskingKey, entity: str) -> str:
    """The token of one value (used for spans in free text); equal to the vectorised form."""
    text = _normalised_one(value, entity)
    digest = hmac.new(key.secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()
    prefix, suffix = token_shape(entity)
    return f"{prefix}{digest[:TOKEN_HEX]}{suffix}"


def _normalised_one(value: str, entity: str) -> str:
    """:func:`_normalised` of one value. Python's own ``strip``/``lower`` agree with Arrow's on ASCII
    only: ``"İ".lower()`` is two characters, a final ``"Σ"`` becomes ``"ς"``, and Python's Unicode
    tables are of another version (Arrow lower-cases U+1C89, Python 3.11 does not)."""
    if value.isascii():
        text = value.strip()
        return text.lower() if entity == "EMAIL_ADDRESS" else text
    return str(_normalised(pa.array([value], pa.string()), entity)[0].as_py())


def hex_to_u64(hexes: np.ndarray) -> np.ndarray:
    """Rows of 16 ASCII hex digits (an ``(n, 16)`` uint8 array) as big-endian 64-bit integers."""
    nibbles = _HEX_VALUE[hexes]
    packed = (nibbles[:, 0::2] << 4) | nibbles[:, 1::2]
    return np.ascontiguousarray(packed).view(">u8").ravel().astype(np.uint64)


def _hex_rows(hexes: pl.Series) -> np.ndarray:
    """``TOKEN_HEX``-character strings (no nulls) as an ``(n, TOKEN_HEX)`` uint8 array."""
    arr = hexes.to_arrow()
    if arr.type != pa.large_string():
        arr = arr.cast(pa.large_string())
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    if len(arr) and not np.all(np.diff(offsets) == TOKEN_HEX):
        raise ValueError("unexpected HMAC digest length")  # never expected: a digest has a fixed size
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8) if len(arr) else np.zeros(0, np.uint8)
    start = int(offsets[0]) if len(arr) else 0
    return data[start : start + TOKEN_HEX * len(arr)].reshape(-1, TOKEN_HEX)


def _token_records(hexes: np.ndarray, entity: str) -> np.ndarray:
    """Each token as one fixed-size record of bytes: PREFIX + hex digits + SUFFIX."""
    prefix, suffix = (part.encode("utf-8") for part in token_shape(entity))
    records = np.empty((len(hexes), len(prefix) + TOKEN_HEX + len(suffix)), dtype=np.uint8)
    records[:, : len(prefix)] = np.frombuffer(prefix, dtype=np.uint8)
    records[:, len(prefix) : len(prefix) + TOKEN_HEX] = hexes
    records[:, len(prefix) + TOKEN_HEX :] = np.frombuffer(suffix, dtype=np.uint8)
    return records


def _spread(records: np.ndarray, codes: np.ndarray, nulls: np.ndarray | None) -> pa.Array:
    """``records[codes]`` as a string array: a gather of fixed-size records, arithmetic offsets."""
    n, width = len(codes), records.shape[1]
    fixed = pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(width), len(records), [None, pa.py_buffer(records)]
    )
    data = pc.take(fixed, pa.array(codes)).buffers()[1]
    validity, null_count = None, 0
    if nulls is not None:
        validity, null_count = pa.py_buffer(np.packbits(~nulls, bitorder="little")), int(nulls.sum())
    offsets = pa.py_buffer(np.arange(0, (n + 1) * width, width, dtype=np.int64))
    return pa.LargeStringArray.from_buffers(n, offsets, data, validity, null_count)


def pseudonymise(series: pd.Series, entity: str, key: MaskingKey) -> pd.Series:
    """Replace every value by its keyed token; nulls stay null. Returns a string column."""
    return pseudonymise_column(series, entity, key).series


@dataclass
class GroupedColumn:
    """A column grouped by value, ready to be tokenised (first half of :func:`pseudonymise_column`)."""

    index: pd.Index
    name: Any
    length: int
    codes: np.ndarray | None  # None: nothing but nulls
    distinct: pa.Array | None
    nulls: np.ndarray | None


def group_column(series: pd.Series) -> GroupedColumn:
    """Group a column's rows by value (each distinct value once, Arrow's dictionary encoding)."""
    values = _arrow_strings(series)
    n = len(values)
    nulls = values.is_null().to_numpy(zero_copy_only=False) if values.null_count else None
    if n == 0 or values.null_count == n:
        return GroupedColumn(series.index, series.name, n, None, None, nulls)
    codes, distinct = group_rows(values)
    return GroupedColumn(series.index, series.name, n, codes, distinct, nulls)


def tokenise(grouped: GroupedColumn, entity: str, key: MaskingKey) -> Pseudonyms:
    """Second half of :func:`pseudonymise_column`: HMAC each distinct value, spread the tokens."""
    codes, distinct, nulls = grouped.codes, grouped.distinct, grouped.nulls
    if codes is None or distinct is None:
        out = pa.nulls(grouped.length, pa.large_string())
        digests = np.zeros(0, dtype=np.uint64)
    else:
        hexes = _hex_rows(hmac_hex(_normalised(distinct, entity), key))
        out = _spread(_token_records(hexes, entity), codes, nulls)
        digests = hex_to_u64(hexes)
        if nulls is not None:
            digests = np.delete(digests, codes[int(np.argmax(nulls))])  # the null rows' placeholder
        digests = pd.unique(digests)
    masked = out.to_pandas(types_mapper=_STR.get)
    masked.index = grouped.index
    masked.name = grouped.name
    return Pseudonyms(masked, np.asarray(digests, dtype=np.uint64))


def pseudonymise_column(series: pd.Series, entity: str, key: MaskingKey) -> Pseudonyms:
    """:func:`pseudonymise`, plus the HMAC digest of each distinct value (for erasure fingerprints)."""
    return tokenise(group_column(series), entity, key)


def hmac_digests(values: pa.Array, key: MaskingKey) -> np.ndarray:
    """The 64-bit HMAC digest (as in the tokens) of each value, in order, as uint64."""
    return hex_to_u64(_hex_rows(hmac_hex(values, key)))


def distinct_strings(series: pd.Series) -> pa.Array:
    """The distinct non-null values of a column as Arrow strings (as the tokens see them)."""
    return pc.drop_null(pc.unique(_arrow_strings(series)))
