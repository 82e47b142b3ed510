"""A bounded sample of a Spark DataFrame, as the pandas frame the shared classifier reads."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa

from .batch import as_pandas

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def take_sample(sdf: DataFrame, rows: int) -> pd.DataFrame:
    """The first ``rows`` rows Spark returns (a LIMIT: reads a few partitions, never the whole table,
    and needs no count). Columns keep the types pandas gives the same Parquet file."""
    table: pa.Table = sdf.limit(rows).toArrow()
    frame = pd.DataFrame({i: as_pandas(table.column(i)) for i in range(table.num_columns)})
    frame.columns = pd.Index(table.column_names, dtype=object)
    return frame
