"""Row samples of chunked Arrow string columns: same rows, order, dtypes and names as ``iloc``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from jupyter_privacy.detect.profile import sample_rows
from jupyter_privacy.io.arrow import take_rows, take_sorted

STR = pd.StringDtype("pyarrow", na_value=np.nan)


def chunked_strings(values: list[str | None], sizes: list[int]) -> pd.Series:
    pieces, start = [], 0
    for size in sizes:
        pieces.append(pa.array(values[start : start + size], pa.large_string()))
        start += size
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(pieces, pa.large_string()), dtype=STR))


@pytest.mark.parametrize("positions", [[], [0], [2, 3, 4], [0, 5, 6, 9], list(range(10))])
def test_take_sorted_matches_take_across_chunk_boundaries(positions: list[int]) -> None:
    data = pa.chunked_array([pa.array(list(p), pa.string()) for p in ["abc", "", "defg", "hij"]], pa.string())
    picked = take_sorted(data, np.array(positions, dtype=np.int64))
    assert picked.to_pylist() == data.take(pa.array(positions, pa.int64())).to_pylist()


def test_take_rows_keeps_names_order_dtypes_and_nulls() -> None:
    values = [f"v{i}" if i % 7 else None for i in range(40)]
    df = pd.DataFrame({"n": np.arange(40), "s": chunked_strings(values, [15, 5, 20]), "f": np.arange(40) / 2})
    df["s2"] = chunked_strings(list(reversed(values)), [1, 39])
    df.columns = ["x", "s", "x", "s2"]  # duplicate names stay in place
    positions = np.array([0, 3, 7, 14, 15, 19, 20, 39])
    got = take_rows(df, positions)
    assert got.equals(df.iloc[positions])
    assert list(got.columns) == ["x", "s", "x", "s2"] and list(got.dtypes) == list(df.dtypes)
    assert list(got.index) == list(positions)


def test_sample_of_a_large_chunked_frame_is_the_iloc_sample() -> None:
    n = 5000
    df = pd.DataFrame(
        {"id": np.arange(n), "email": chunked_strings([f"p{i}@example.org" for i in range(n)], [1000] * 5)}
    )
    rng = np.random.default_rng(0)
    expected = df.iloc[np.sort(rng.choice(n, size=100, replace=False))]
    assert sample_rows(df, 100).equals(expected)
