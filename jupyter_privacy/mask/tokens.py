"""Keyed, deterministic pseudonyms: HMAC-SHA256 over distinct values, vectorised.

The same value gives the same token under the same key in every table, notebook and session, so
joins and group-bys keep working; without the key no token can be reversed or recomputed. Each
distinct value is hashed once (``pd.factorize``), by polars-hash's Rust HMAC-SHA256 (identical to
``hmac.new(key, value, sha256)``), and the column comes back as a categorical of tokens.
"""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pandas as pd
import polars as pl
import polars_hash  # noqa: F401  (registers the .chash namespace)
import pyarrow as pa
import pyarrow.compute as pc

from .keys import MaskingKey

TOKEN_HEX = 16
_STR = {
    pa.large_string(): pd.StringDtype("pyarrow", na_value=np.nan),
    pa.string(): pd.StringDtype("pyarrow", na_value=np.nan),
}  # 64 bits: no collisions to speak of below billions of distinct values

# readable token shapes: PREFIX + hex + SUFFIX
_SHAPES = {
    "EMAIL_ADDRESS": ("EMAIL_", "@masked.invalid"),
    "PHONE_NUMBER": ("PHONE_", ""),
}


def token_shape(entity: str) -> tuple[str, str]:
    return _SHAPES.get(entity, (f"{entity}_", ""))


def _arrow_strings(series: pd.Series) -> pa.Array:
    """The column as one Arrow string array (zero-copy for pandas' Arrow-backed strings)."""
    values = series
    if pd.api.types.is_float_dtype(values.dtype):
        floats = values.to_numpy(dtype=float, na_value=np.nan)
        finite = floats[np.isfinite(floats)]
        if len(finite) and np.all(finite == np.round(finite)):
            values = values.astype("Int64")  # 4111111111111111.0 -> "4111111111111111"
    try:
        arr = pa.array(values.array) if not isinstance(values.dtype, pd.CategoricalDtype) else None
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        arr = None
    if arr is None:
        arr = pa.array(values.astype("str").array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = pc.cast(arr, pa.large_string())
    return arr


def _normalised(values: pa.Array, entity: str) -> pa.Array:
    """Trimmed text of each distinct value; e-mail addresses lower-cased (they are case-insensitive)."""
    out = pc.utf8_trim_whitespace(values)
    return pc.utf8_lower(out) if entity == "EMAIL_ADDRESS" else out


def hmac_tokens(values: pa.Array, key: MaskingKey, entity: str) -> pa.Array:
    """Token strings for ``values`` (no nulls), in order, as an Arrow array."""
    prefix, suffix = token_shape(entity)
    frame = pl.DataFrame({"v": pl.from_arrow(values)})  # zero-copy
    digest = pl.col("v").chash.hmac_sha256(key=key.secret)  # type: ignore[attr-defined]
    out = frame.select(pl.concat_str([pl.lit(prefix), digest.str.slice(0, TOKEN_HEX), pl.lit(suffix)]))
    return out.to_series().to_arrow()


def token_for(value: str, key: MaskingKey, entity: str) -> str:
    """The token of one value (used for spans in free text); equal to the vectorised form."""
    text = value.strip()
    if entity == "EMAIL_ADDRESS":
        text = text.lower()
    digest = hmac.new(key.secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()
    prefix, suffix = token_shape(entity)
    return f"{prefix}{digest[:TOKEN_HEX]}{suffix}"


def pseudonymise(series: pd.Series, entity: str, key: MaskingKey) -> pd.Series:
    """Replace every value by its keyed token; nulls stay null. Returns a string column."""
    return pseudonymise_with_tokens(series, entity, key)[0]


def pseudonymise_with_tokens(series: pd.Series, entity: str, key: MaskingKey) -> tuple[pd.Series, pa.Array]:
    """:func:`pseudonymise`, plus the token of each distinct value (for erasure fingerprints).

    Arrow dictionary-encodes the column (each distinct value once), the distinct values are hashed,
    and Arrow's ``take`` spreads the tokens back over the rows; all three release the GIL.
    """
    encoded = pc.dictionary_encode(_arrow_strings(series))
    tokens = hmac_tokens(_normalised(encoded.dictionary, entity), key, entity)
    masked = pc.take(tokens, encoded.indices)
    out = masked.to_pandas(types_mapper=_STR.get)
    out.index = series.index
    out.name = series.name
    return out, tokens
