"""Re-identification figures for a frame: uniqueness and k-anonymity on its quasi-identifiers."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa

from .findings import Reidentification

# combined group ids stay below this; one more column that would pass it first renumbers the groups
_ID_LIMIT = 1 << 62
# group ids up to this many times the row count are counted with one bincount instead of a sort
_DENSE = 4


class Grouping:
    """The re-identification figure of one frame, its column codes computed on a background thread.

    The scan hands over each column it finds to be a quasi-identifier while it goes on classifying
    the rest (:meth:`add`); Arrow's hashing of text runs without the GIL, so on a second core it
    costs the scan little wall time. :meth:`result` combines the codes of the final quasi-identifiers
    (the table verdict can still add or drop some) and counts the groups.
    """

    def __init__(self, df: pd.DataFrame) -> None:
        self._df = df
        self._codes: dict[int, Future[tuple[np.ndarray, int]]] = {}

    def add(self, position: int) -> None:
        if position not in self._codes and len(self._df):
            self._codes[position] = _worker().submit(column_codes, self._df.iloc[:, position])

    def result(self, positions: Sequence[int], labels: Sequence[str]) -> Reidentification | None:
        """Share of rows that are unique on the columns at ``positions`` and the frame's k (smallest group size).

        Computed on the whole frame, not the sample: uniqueness in a sample says little about the
        population. Nulls form a group of their own in each column.
        """
        try:
            if not positions or self._df.empty:
                return None
            sizes = group_sizes([self._codes_of(p) for p in positions], len(self._df))
        finally:
            for pending in self._codes.values():
                pending.cancel()
        unique = int((sizes == 1).sum())
        return Reidentification(
            quasi_identifiers=list(labels),
            rows=len(self._df),
            unique_rows=unique,
            unique_share=round(unique / len(self._df), 4),
            k=int(sizes.min()),
        )

    def _codes_of(self, position: int) -> tuple[np.ndarray, int]:
        pending = self._codes.get(position)
        if pending is not None and not pending.cancel():
            return pending.result()
        return column_codes(self._df.iloc[:, position])  # not started yet: no point waiting for it


def reidentification(
    df: pd.DataFrame, positions: Sequence[int], labels: Sequence[str]
) -> Reidentification | None:
    """The figure of :class:`Grouping` for a frame whose quasi-identifiers are already known."""
    return Grouping(df).result(positions, labels)


def group_sizes(coded: Sequence[tuple[np.ndarray, int]], rows: int) -> np.ndarray:
    """The number of rows in each group of equal codes over the columns (codes, count) of ``coded``.

    The codes are combined arithmetically into one 64-bit group id per row, and the ids are counted
    once at the end: renumbering the ids after every column, as a chain of factorisations does,
    costs one more hash pass over every row per column.
    """
    group = np.zeros(rows, dtype=np.int64)
    span = 1  # group ids are in range(span)
    for codes, count in coded:
        if span * count >= _ID_LIMIT:
            group, uniques = pd.factorize(group)
            span = len(uniques)
        group *= count
        group += codes
        span *= count
    if span <= _DENSE * rows:
        sizes = np.bincount(group, minlength=span)
        return sizes[sizes > 0]
    _, sizes = np.unique(group, return_counts=True)
    return sizes


@lru_cache(maxsize=1)
def _worker() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="jupyter-privacy-reident")


def column_codes(column: pd.Series) -> tuple[np.ndarray, int]:
    """Codes 0..count-1 for one column's values, equal values sharing a code; nulls get code 0.

    Arrow-backed text is dictionary-encoded by Arrow directly (nulls encoded as a value of their
    own); everything else goes through ``pandas.factorize``, whose notion of null (None, NaN, NaT,
    pd.NA) the figure has always used.
    """
    data = _arrow_text(column)
    if data is not None:
        encoded = data.dictionary_encode(null_encoding="encode").combine_chunks()
        codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        return codes, max(len(encoded.dictionary), 1)
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    return codes.astype(np.int64) + 1, len(uniques) + 1


def _arrow_text(column: pd.Series) -> pa.ChunkedArray | None:
    """The column's Arrow data (zero-copy) when it is Arrow-backed text or bytes, else None."""
    if not isinstance(column.array, pd.arrays.ArrowExtensionArray):
        return None
    data = pa.array(column.array)
    kind = data.type
    text = pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)
    if not (text or pa.types.is_binary(kind) or pa.types.is_large_binary(kind)):
        return None
    return data if isinstance(data, pa.ChunkedArray) else pa.chunked_array([data])
