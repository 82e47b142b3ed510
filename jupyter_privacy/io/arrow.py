"""Row selection on pandas' Arrow-backed columns without concatenating their chunks.

``pandas.read_csv`` returns string columns as Arrow chunked arrays (one chunk per parser block).
Arrow's ``take`` on a chunked string array concatenates every chunk first, which copies the whole
column to pick a thousand rows; these helpers take from each chunk separately instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa


def take_sorted(values: pa.ChunkedArray, positions: np.ndarray) -> pa.ChunkedArray:
    """``values[positions]`` for ascending ``positions``, chunk by chunk (no concatenation)."""
    if values.num_chunks <= 1:
        return values.take(pa.array(positions))
    lengths = np.fromiter((len(c) for c in values.chunks), dtype=np.int64, count=values.num_chunks)
    starts = np.concatenate(([0], np.cumsum(lengths)))
    cuts = np.searchsorted(positions, starts)
    pieces = [
        chunk.take(pa.array(positions[cuts[i] : cuts[i + 1]] - starts[i]))
        for i, chunk in enumerate(values.chunks)
        if cuts[i + 1] > cuts[i]
    ]
    return pa.chunked_array(pieces, values.type)


def _chunked_strings(column: pd.Series) -> pa.ChunkedArray | None:
    """The column's Arrow data when it is an Arrow-backed string column of several chunks."""
    if not isinstance(column.array, pd.arrays.ArrowStringArray):
        return None
    data = pa.array(column.array)  # zero-copy
    return data if isinstance(data, pa.ChunkedArray) and data.num_chunks > 1 else None


def take_rows(df: pd.DataFrame, positions: np.ndarray) -> pd.DataFrame:
    """``df.iloc[positions]`` for ascending ``positions``; Arrow string columns taken chunk by chunk."""
    chunked = {i: _chunked_strings(df.iloc[:, i]) for i in range(df.shape[1])}
    strings = {i: data for i, data in chunked.items() if data is not None}
    if not strings:
        return df.iloc[positions]
    out = df.iloc[positions, [i for i in range(df.shape[1]) if i not in strings]]
    for i, data in strings.items():  # ascending: each column goes back to its own place
        taken = pd.arrays.ArrowStringArray(take_sorted(data, positions), dtype=df.dtypes.iloc[i])
        out.insert(i, df.columns[i], pd.Series(taken, index=out.index), allow_duplicates=True)
    return out
