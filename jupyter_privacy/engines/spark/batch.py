"""What runs on Spark's executors: one Arrow batch of one column masked by the pandas path's code.

Kept apart from the planning code so a Python worker imports only the token formula (pyarrow, polars)
for pseudonymised columns, and the recognisers only when a column needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa

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
    """Keyed pseudonyms of one batch: each distinct value hashed once (same code as the pandas path)."""
    from ...mask.tokens import pseudonymise

    return to_arrow(pseudonymise(as_pandas(values), entity, key), arrow_type)


def mask_batch(
    values: pa.Array, finding: ColumnFinding, policy: Policy, key: MaskingKey, arrow_type: pa.DataType
) -> pa.Array:
    """Any other strategy (generalise, redact, free text) of one batch, as :func:`mask_frame` does it."""
    from ...mask.frame import mask_series

    return to_arrow(mask_series(as_pandas(values), finding, policy, key), arrow_type)
