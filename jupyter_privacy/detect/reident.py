"""Re-identification figures for a frame: uniqueness and k-anonymity on its quasi-identifiers."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa

from .findings import Reidentification

# one column's codes 0..count-1 (an integer array) and count
Coded = tuple[np.ndarray, int]

# combined group ids stay below this; one more column that would pass it first renumbers the groups
_ID_LIMIT = 1 << 62
# group ids up to this many times the row count are counted with one bincount instead of a sort
_DENSE = 4


class Grouping:
    """The re-identification figure of one frame, computed on a background thread while the scan goes on.

    The scan hands over each column it finds to be a quasi-identifier while it goes on classifying
    the rest (:meth:`add`). The worker hashes each column (Arrow's hashing of text runs without the
    GIL, so on a second core it costs the scan little wall time) and, once it has hashed every column
    handed over so far, counts the groups of those columns: a guess that the scan will end with
    these quasi-identifiers. :meth:`result` takes the guess when the final quasi-identifiers are the
    same columns (the table verdict can still add or drop some), else combines the columns' codes.
    """

    def __init__(self, df: pd.DataFrame) -> None:
        self._df = df
        self._codes: dict[int, Future[Coded]] = {}
        self._guess: tuple[frozenset[int], Future[np.ndarray | None]] | None = None

    def add(self, position: int) -> None:
        if position in self._codes or not len(self._df):
            return
        self._codes[position] = _worker().submit(column_codes, self._df.iloc[:, position])
        if self._guess is not None:
            self._guess[1].cancel()  # not started yet: this column changes the guess
        columns = frozenset(self._codes)
        self._guess = (columns, _worker().submit(self._count_guess, columns))

    def result(self, positions: Sequence[int], labels: Sequence[str]) -> Reidentification | None:
        """Share of rows that are unique on the columns at ``positions`` and the frame's k (smallest group size).

        Computed on the whole frame, not the sample: uniqueness in a sample says little about the
        population. Nulls form a group of their own in each column.
        """
        try:
            if not positions or self._df.empty:
                return None
            sizes = self._guessed(frozenset(positions))
            if sizes is None:
                sizes = group_sizes(self._coded(positions), len(self._df))
        finally:
            self._cancel_pending()
        unique = int((sizes == 1).sum())
        return Reidentification(
            quasi_identifiers=list(labels),
            rows=len(self._df),
            unique_rows=unique,
            unique_share=round(unique / len(self._df), 4),
            k=int(sizes.min()),
        )

    def _count_guess(self, columns: frozenset[int]) -> np.ndarray | None:
        """Group sizes over ``columns`` (on the worker, after their codes), or None when the guess is stale."""
        guess = self._guess
        if guess is None or guess[0] != columns:
            return None  # another column was handed over meanwhile
        try:
            coded = [self._codes[p].result() for p in sorted(columns)]
        except CancelledError:
            return None  # result() took over this column
        return group_sizes(coded, len(self._df))

    def _guessed(self, columns: Collection[int]) -> np.ndarray | None:
        """The worker's group sizes when it counted exactly ``columns`` (waiting if it is counting now).

        A guess not started yet is cancelled: hashing the remaining columns here, beside the worker,
        is quicker than waiting for the worker to hash them one after the other.
        """
        guess = self._guess
        if guess is None or guess[0] != columns or guess[1].cancel():
            return None
        return guess[1].result()

    def _coded(self, positions: Sequence[int]) -> Iterator[Coded]:
        """The codes of each column: first those already hashed (combined while the worker is busy), then
        those not started (hashed here), last the one the worker is hashing now."""

        def readiness(position: int) -> int:
            pending = self._codes.get(position)
            if pending is None or not (pending.done() or pending.running()):
                return 1
            return 0 if pending.done() else 2

        for position in sorted(positions, key=readiness):
            yield self._codes_of(position)

    def _codes_of(self, position: int) -> Coded:
        pending = self._codes.get(position)
        if pending is not None and not pending.cancel():
            return pending.result()
        return column_codes(self._df.iloc[:, position])  # not started yet: no point waiting for it

    def _cancel_pending(self) -> None:
        for pending in self._codes.values():
            pending.cancel()
        if self._guess is not None:
            self._guess[1].cancel()


def reidentification(
    df: pd.DataFrame, positions: Sequence[int], labels: Sequence[str]
) -> Reidentification | None:
    """The figure of :class:`Grouping` for a frame whose quasi-identifiers are already known."""
    return Grouping(df).result(positions, labels)


def group_sizes(coded: Iterable[Coded], rows: int) -> np.ndarray:
    """The number of rows in each group of equal codes over the columns (codes, count) of ``coded``.

    The codes are combined arithmetically into one 64-bit group id per row, and the ids are counted
    once at the end: renumbering the ids after every column, as a chain of factorisations does,
    costs one more hash pass over every row per column.
    """
    group, span = group_ids(coded, rows)
    if span <= _DENSE * rows:
        sizes = np.bincount(group, minlength=span)
        return sizes[sizes > 0]
    return run_lengths(group)


def group_ids(coded: Iterable[Coded], rows: int) -> tuple[np.ndarray, int]:
    """One int64 id per row, equal for rows with equal codes in every column, and their range (span)."""
    group = np.zeros(rows, dtype=np.int64)
    span = 1  # group ids are in range(span)
    for codes, count in coded:
        if span == 1:
            group = codes.astype(np.int64)  # a copy: the ids below are changed in place
        else:
            if span * count >= _ID_LIMIT:
                group, uniques = pd.factorize(group)
                span = len(uniques)
            group *= count
            group += codes
        span *= count
    return group, span


def run_lengths(ids: np.ndarray) -> np.ndarray:
    """How often each distinct value occurs in ``ids``, by sorting it (in place)."""
    ids.sort()
    ends = np.flatnonzero(ids[1:] != ids[:-1])
    bounds = np.concatenate(([-1], ends, [len(ids) - 1]))
    return np.diff(bounds)


@lru_cache(maxsize=1)
def _worker() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="jupyter-privacy-reident")


def column_codes(column: pd.Series) -> Coded:
    """Codes 0..count-1 for one column's values, equal values sharing a code; nulls get code 0.

    Arrow-backed text is dictionary-encoded by Arrow directly (nulls encoded as a value of their
    own; int32 codes, no copy); everything else goes through ``pandas.factorize``, whose notion of
    null (None, NaN, NaT, pd.NA) the figure has always used. Each call that releases the GIL costs
    the worker a wait for it while the scan holds it (up to the switch interval, 5 ms), so there is
    one such call per column where it can be helped.
    """
    data = _arrow_text(column)
    if data is not None:
        encoded = _dictionary_encode(data)
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        return codes, max(len(encoded.dictionary), 1)
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    return codes + 1, len(uniques) + 1


def _dictionary_encode(data: pa.ChunkedArray) -> pa.DictionaryArray:
    if data.num_chunks == 1:
        return data.chunk(0).dictionary_encode(null_encoding="encode")
    return data.dictionary_encode(null_encoding="encode").combine_chunks()


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
