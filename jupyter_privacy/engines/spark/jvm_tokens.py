"""Pseudonyms computed by Spark's own SQL functions, with no Python on the executors.

HMAC-SHA256 is ``sha2(opad || unhex(sha2(ipad || text)))``. The two pads are derived from the key, so
they are as secret as the key: they are the one row of a small DataFrame built from an RDD (its data
travels in the tasks, never in a plan), read as scalar subqueries that Spark evaluates once per query.
A plan, the Spark UI and the event log show the pads' column names and ``scalar-subquery#N``, never
their bytes.

The text hashed is the pandas path's (:func:`jupyter_privacy.mask.tokens._normalised`): trimmed of the
characters Arrow's ``utf8_trim_whitespace`` removes, and for e-mail addresses lower-cased with Arrow's
``utf8_lower`` mapping. Both are read off Arrow itself, code point by code point, once per process, and
handed to Spark's ``btrim`` and ``translate`` (which work code point by code point too), so the two
engines cannot drift apart when a library's Unicode tables change. Only string columns take this path;
other types keep the Arrow UDF (Spark's number and date text differs from Arrow's).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...mask.tokens import TOKEN_HEX, token_shape

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

    from ...mask.keys import MaskingKey

BLOCK = 64  # SHA-256's block size: the HMAC key is padded (or first hashed) to it


def pad_names(tag: str) -> tuple[str, str]:
    """The pads' column names: they carry the dataset id, so a derived frame's plan names its datasets."""
    return f"jp_mask_{tag}_ipad", f"jp_mask_{tag}_opad"


def hmac_pads(key: MaskingKey) -> tuple[bytes, bytes]:
    """HMAC's inner and outer pads of the key (RFC 2104)."""
    secret = key.secret.encode("utf-8")
    if len(secret) > BLOCK:
        secret = hashlib.sha256(secret).digest()
    block = secret.ljust(BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)


def pads_frame(spark: SparkSession, key: MaskingKey, tag: str) -> DataFrame:
    """A one-row DataFrame of the pads, over an RDD: its plan is ``Scan ExistingRDD``, never a literal."""
    inner, outer = hmac_pads(key)
    ipad, opad = pad_names(tag)
    rows = spark.sparkContext.parallelize([(bytearray(inner), bytearray(outer))], 1)
    return spark.createDataFrame(rows, f"`{ipad}` binary, `{opad}` binary")


def pad_columns(spark: SparkSession, key: MaskingKey, tag: str) -> tuple[Column, Column]:
    """The inner and outer pads as scalar subqueries over :func:`pads_frame`."""
    from pyspark.sql import functions as F

    pads = pads_frame(spark, key, tag)
    ipad, opad = (pads.select(F.col(f"`{name}`")).scalar() for name in pad_names(tag))
    return ipad, opad


def token_column(value: Column, entity: str, pads: tuple[Column, Column]) -> Column:
    """The token of ``value`` (a string column; null stays null) under the pads of :func:`pad_columns`."""
    from pyspark.sql import functions as F

    ipad, opad = pads
    text = normalised(value, entity).cast("binary")
    inner = F.unhex(F.sha2(F.concat(ipad, text), 256))
    digits = F.substring(F.sha2(F.concat(opad, inner), 256), 1, TOKEN_HEX)
    prefix, suffix = token_shape(entity)
    return F.concat(F.lit(prefix), digits, F.lit(suffix))


def normalised(value: Column, entity: str) -> Column:
    """The text the pandas path keys: trimmed as Arrow trims, e-mail addresses lower-cased as Arrow does."""
    from pyspark.sql import functions as F

    text = F.btrim(value, F.lit(arrow_whitespace()))
    if entity == "EMAIL_ADDRESS":
        matching, replace = arrow_lower_map()
        text = F.translate(text, matching, replace)
    return text


def all_code_points() -> tuple[np.ndarray, pa.Array]:
    """Every Unicode scalar value, and each as a one-character Arrow string."""
    points = np.arange(0x110000, dtype=np.int64)
    points = points[(points < 0xD800) | (points > 0xDFFF)]
    widths = np.select([points < 0x80, points < 0x800, points < 0x10000], [1, 2, 3], 4)
    offsets = np.concatenate([[0], np.cumsum(widths)]).astype(np.int32)
    data = "".join(map(chr, points.tolist())).encode("utf-8")
    chars = pa.StringArray.from_buffers(len(points), pa.py_buffer(offsets), pa.py_buffer(data))
    return points, chars


@lru_cache(maxsize=1)
def arrow_whitespace() -> str:
    """The characters ``utf8_trim_whitespace`` removes (a character trimmed alone leaves nothing)."""
    points, chars = all_code_points()
    gone = pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(chars)), 0).to_numpy(zero_copy_only=False)
    return "".join(map(chr, points[gone].tolist()))


@lru_cache(maxsize=1)
def arrow_lower_map() -> tuple[str, str]:
    """``utf8_lower`` as a character-for-character table (it maps one code point to one code point)."""
    points, chars = all_code_points()
    lowered = pc.utf8_lower(chars)
    changed = np.flatnonzero(~pc.equal(lowered, chars).to_numpy(zero_copy_only=False))
    targets: list[Any] = lowered.take(pa.array(changed)).to_pylist()
    if any(len(t) != 1 for t in targets):
        raise ValueError("Arrow's lower-casing maps a character to several; not expressible as translate")
    return "".join(map(chr, points[changed].tolist())), "".join(targets)
