"""Erasure fingerprints of a Spark load, built by Spark: the digests of each direct identifier.

For each direct-identifier column, Spark computes the distinct values, and an Arrow UDF on the executors
normalises them (as the pandas path does: e-mails lower-cased, phone numbers to E.164, national ids
without separators, names by case and spacing) and turns them into keyed 64-bit digests. Only digests
come back to the driver, where the engine-neutral filter code takes over. A phone column's region is
inferred from a bounded sample of its distinct values, as for pandas.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from ...mask.normalise import PHONE, REGION_SAMPLE, ErasureDigests, infer_phone_region
from ...records.fingerprints import FINGERPRINTED_CATEGORIES
from .batch import digests_batch
from .masking import UDF_PREFIX

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

    from ...mask.frame import ColumnMasking
    from ...mask.keys import MaskingKey


def spark_digests(sdf: DataFrame, masking: list[ColumnMasking], key: MaskingKey) -> dict[int, ErasureDigests]:
    """Column position -> digests of the normalised distinct values of every fingerprinted column."""
    from pyspark.sql import functions as F

    names = list(sdf.columns)
    out: dict[int, ErasureDigests] = {}
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
        region = _phone_region(distinct) if entity == PHONE else None
        digests: Any = distinct.select(_digests_udf(entity, key, region)(F.col("v")).alias("d")).toArrow()
        values = digests.column(0).to_numpy() if digests.num_rows else np.zeros(0, np.int64)
        out[names.index(cm.column)] = ErasureDigests(
            np.unique(values.astype(np.int64).view(np.uint64)), region
        )
    return out


def _phone_region(distinct: DataFrame) -> str | None:
    """The region national-form numbers are read in (a bounded sample reaches the driver, never the log)."""
    from pyspark.sql import functions as F

    from ...detect.recognizers import PHONE_REGIONS

    sample: Any = distinct.select(F.col("v").cast("string")).limit(REGION_SAMPLE * 4).toArrow()
    return infer_phone_region(sample.column(0).to_pylist(), PHONE_REGIONS)


def _digests_udf(entity: str, key: MaskingKey, region: str | None) -> Any:
    """An Arrow UDF giving each value's keyed digest (int64) of its normalised form."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import LongType

    fn = partial(digests_batch, entity=entity, key=key, region=region)

    def digests(values: pa.Array) -> pa.Array:
        return fn(values)

    digests.__name__ = digests.__qualname__ = f"{UDF_PREFIX}_fingerprints"
    arrow_udf: Any = F.arrow_udf
    column: Column = arrow_udf(digests, LongType())
    return column
