"""A bounded sample of a Spark DataFrame, as the pandas frame the shared classifier reads."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa

from .batch import as_pandas

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

SEED = 0
OVERSAMPLE = 1.2
"""Spark's ``sample`` keeps each row with a probability: asked for 20% more rows than needed, it returns
fewer than needed only rarely (then the sample is a little smaller); the surplus is dropped at random."""


def take_sample(sdf: DataFrame, rows: int) -> tuple[pd.DataFrame, int]:
    """A uniform random sample of at most ``rows`` rows, as the pandas path samples (every row of a frame
    that has no more), and the frame's row count. The first rows alone (a ``LIMIT``) missed a column that
    is empty at the head of the data -- filled only in later part files, or a file sorted by it -- and left
    its personal data unmasked. A frame of more rows takes one more pass over the data (Spark's
    ``sample``, seeded); columns keep the types pandas gives the same Parquet file."""
    head: pa.Table = sdf.limit(rows).toArrow()
    if head.num_rows < rows:
        return _frame(head), head.num_rows
    total = sdf.count()
    if total <= rows:
        return _frame(head), total
    table: pa.Table = sdf.sample(fraction=min(1.0, OVERSAMPLE * rows / total), seed=SEED).toArrow()
    if table.num_rows > rows:
        keep = np.sort(np.random.default_rng(SEED).choice(table.num_rows, size=rows, replace=False))
        table = table.take(pa.array(keep))
    return _frame(table), total


def _frame(table: pa.Table) -> pd.DataFrame:
    frame = pd.DataFrame({i: as_pandas(table.column(i)) for i in range(table.num_columns)})
    frame.columns = pd.Index(table.column_names, dtype=object)
    return frame
