"""Erasure fingerprints of a Spark load, built by Spark: the token digests of each direct identifier.

For each direct-identifier column, Spark computes the distinct raw values (they never leave Spark),
tokenises them with the same batch code as the masking (so the digests are the tokens' digests), and
only the tokens come back to the driver, where the engine-neutral filter code takes over.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from ...records.fingerprints import FINGERPRINTED_CATEGORIES, token_digests
from .masking import tokens_udf

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from ...mask.frame import ColumnMasking
    from ...mask.keys import MaskingKey


def spark_digests(sdf: DataFrame, masking: list[ColumnMasking], key: MaskingKey) -> dict[int, np.ndarray]:
    """Column position -> distinct token digests (uint64) of every fingerprinted column."""
    from pyspark.sql import functions as F

    names = list(sdf.columns)
    out: dict[int, np.ndarray] = {}
    for cm in masking:
        if (
            cm.category not in FINGERPRINTED_CATEGORIES
            or cm.strategy == "free_text"
            or cm.column not in names
        ):
            continue
        entity = cm.entities[0] if cm.entities else cm.category.upper()
        column = F.col("`" + cm.column.replace("`", "``") + "`")
        distinct = sdf.select(column.alias("v")).where(F.col("v").isNotNull()).distinct()
        tokens: Any = distinct.select(tokens_udf(entity, key)(F.col("v")).alias("t")).toArrow()
        arr = tokens.column(0).combine_chunks() if tokens.num_rows else pa.array([], pa.string())
        out[names.index(cm.column)] = token_digests(arr, entity)
    return out
