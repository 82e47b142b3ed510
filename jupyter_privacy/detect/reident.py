"""Re-identification figures for a frame: uniqueness and k-anonymity on its quasi-identifiers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .findings import Reidentification


def reidentification(
    df: pd.DataFrame, positions: Sequence[int], labels: Sequence[str]
) -> Reidentification | None:
    """Share of rows that are unique on the columns at ``positions`` and the frame's k (smallest group size).

    Computed on the whole frame, not the sample: uniqueness in a sample says little about the
    population. Each column is factorised once (nulls form a group of their own) and the codes are
    combined into one group id, re-factorised after each step so the ids never overflow.
    """
    if not positions or df.empty:
        return None
    group = np.zeros(len(df), dtype=np.int64)
    for position in positions:
        codes, uniques = pd.factorize(df.iloc[:, position], use_na_sentinel=True)
        codes = codes.astype(np.int64) + 1  # nulls (-1) become group 0
        group = group * (len(uniques) + 1) + codes
        group, _ = pd.factorize(group)
        group = group.astype(np.int64)
    sizes = np.bincount(group)
    row_sizes = sizes[group]
    unique = int((row_sizes == 1).sum())
    return Reidentification(
        quasi_identifiers=list(labels),
        rows=len(df),
        unique_rows=unique,
        unique_share=round(unique / len(df), 4),
        k=int(sizes.min()),
    )
