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

from .keys import MaskingKey

TOKEN_HEX = 16  # 64 bits: no collisions to speak of below billions of distinct values

# readable token shapes: PREFIX + hex + SUFFIX
_SHAPES = {
    "EMAIL_ADDRESS": ("EMAIL_", "@masked.invalid"),
    "PHONE_NUMBER": ("PHONE_", ""),
}


def token_shape(entity: str) -> tuple[str, str]:
    return _SHAPES.get(entity, (f"{entity}_", ""))


def _normalised(values: pd.Index, entity: str) -> pa.Array:
    """Trimmed text of each distinct value; e-mail addresses lower-cased (they are case-insensitive)."""
    if pd.api.types.is_float_dtype(values.dtype):
        floats = values.to_numpy(dtype=float)
        integral = np.isfinite(floats) & (floats == np.round(floats))
        text = [str(int(v)) if ok else str(v) for v, ok in zip(floats, integral, strict=True)]
    else:
        text = values.astype(str) if not pd.api.types.is_string_dtype(values.dtype) else values
    s = pd.Series(text, dtype="str").str.strip()
    if entity == "EMAIL_ADDRESS":
        s = s.str.lower()
    return pa.array(s, type=pa.large_string())


def hmac_tokens(values: pa.Array, key: MaskingKey, entity: str) -> np.ndarray:
    """Token strings for ``values`` (no nulls), in order."""
    prefix, suffix = token_shape(entity)
    frame = pl.DataFrame({"v": pl.from_arrow(values)})
    digest = pl.col("v").chash.hmac_sha256(key=key.secret)  # type: ignore[attr-defined]
    out = frame.select(pl.concat_str([pl.lit(prefix), digest.str.slice(0, TOKEN_HEX), pl.lit(suffix)]))
    return out.to_series().to_numpy()


def token_for(value: str, key: MaskingKey, entity: str) -> str:
    """The token of one value (used for spans in free text); equal to the vectorised form."""
    text = value.strip()
    if entity == "EMAIL_ADDRESS":
        text = text.lower()
    digest = hmac.new(key.secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()
    prefix, suffix = token_shape(entity)
    return f"{prefix}{digest[:TOKEN_HEX]}{suffix}"


def pseudonymise(series: pd.Series, entity: str, key: MaskingKey) -> pd.Series:
    """Replace every value by its keyed token; nulls stay null. Returns a categorical column."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    if len(uniques) == 0:
        return pd.Series(
            pd.Categorical.from_codes(codes, categories=[]), index=series.index, name=series.name
        )
    tokens = hmac_tokens(_normalised(pd.Index(uniques), entity), key, entity)
    # normalisation can map two raw values to one token (Alice@X.org, alice@x.org): merge categories
    token_codes, categories = pd.factorize(tokens)
    mapped = np.where(codes >= 0, token_codes[np.maximum(codes, 0)], -1)
    return pd.Series(
        pd.Categorical.from_codes(mapped, categories=pd.Index(categories, dtype="str")),
        index=series.index,
        name=series.name,
    )
