"""Erasure fingerprints of a Spark load, built by Spark: the keyed digests of each direct identifier.

One Spark job reads the direct-identifier columns once: every partition computes its distinct values
and their digests on the executors (:mod:`.digests`), Spark drops the digests partitions share, and
only the digests (64-bit integers) reach the driver, where the engine-neutral filter code takes over.
The raw values never leave the executors. A phone column's region is inferred once, on the driver,
from the load's sample (as the pandas path infers it from the column's first distinct values).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ...mask.normalise import PHONE, REGION_SAMPLE, ErasureDigests, infer_phone_region
from ...mask.tokens import distinct_strings
from ...records.fingerprints import FINGERPRINTED_CATEGORIES
from .digests import SCHEMA, Target, partition_digests

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from ...mask.frame import ColumnMasking
    from ...mask.keys import MaskingKey

REGION_VALUES = REGION_SAMPLE * 4
"""Distinct sample values the phone-region inference reads (as ``erasure_digests`` does)."""


def fingerprint_targets(masking: list[ColumnMasking], names: list[str]) -> list[tuple[int, str]]:
    """(column position, entity) of every column the fingerprints cover (direct identifiers)."""
    out = []
    for cm in masking:
        if cm.category in FINGERPRINTED_CATEGORIES and cm.strategy != "free_text" and cm.column in names:
            out.append((names.index(cm.column), cm.entities[0] if cm.entities else cm.category.upper()))
    return out


def spark_digests(
    sdf: DataFrame, sample: pd.DataFrame, masking: list[ColumnMasking], key: MaskingKey
) -> dict[int, ErasureDigests]:
    """Column position -> the distinct keyed digests (and phone region) of every fingerprinted column."""
    from pyspark.sql import functions as F

    from ...detect.recognizers import PHONE_REGIONS

    names = list(sdf.columns)
    found = fingerprint_targets(masking, names)
    if not found:
        return {}
    targets = []
    for position, entity in found:
        region = None
        if entity == PHONE:
            values = distinct_strings(sample.iloc[:, position]).slice(0, REGION_VALUES).to_pylist()
            region = infer_phone_region(values, PHONE_REGIONS)
        targets.append(Target(entity, region))
    # aliased: mapInArrow reads its input's columns back by name, unquoted (a name with ` or . fails)
    columns = [
        F.col("`" + names[p].replace("`", "``") + "`").alias(f"c{i}") for i, (p, _e) in enumerate(found)
    ]
    body = partial(partition_digests, targets=targets, key=key)

    def jp_fingerprints(batches: Any) -> Any:  # the name the plan shows; key and values stay inside
        return body(batches)

    rows: Any = sdf.select(*columns).mapInArrow(jp_fingerprints, SCHEMA).distinct().toArrow()
    numbers = rows.column("c").to_numpy()
    digests = rows.column("d").to_numpy().view(np.uint64)
    return {
        position: ErasureDigests(np.sort(digests[numbers == i]), targets[i].region)
        for i, (position, _entity) in enumerate(found)
    }
