"""Intercepted reads that return an iterator (``chunksize=``, ``iterator=``): every chunk is governed.

pandas hands back a ``TextFileReader`` (``read_csv``/``read_table``/``read_fwf``), a ``JsonReader``
(``read_json(lines=True)``) or a generator (``read_sql``); :class:`GovernedChunks` wraps it so that each chunk is scanned, masked and
logged (``dataset_loaded``, one per chunk, with its own content hash and erasure fingerprints) before the
notebook sees it. Everything else (``close``, the context manager, attributes) goes to the reader.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pandas as pd

GovernChunk = Callable[[pd.DataFrame, int], pd.DataFrame]


class GovernedChunks:
    """A pandas chunk reader whose chunks come out masked."""

    def __init__(self, reader: Any, govern: GovernChunk, sanitise: Callable[[Exception], Exception]) -> None:
        self._reader = reader
        self._govern = govern
        self._sanitise = sanitise
        self._count = 0

    def __iter__(self) -> GovernedChunks:
        return self

    def __next__(self) -> pd.DataFrame:
        return self._take(lambda: next(self._reader))

    def get_chunk(self, size: int | None = None) -> pd.DataFrame:
        return self._take(lambda: self._reader.get_chunk(size))

    def read(self, nrows: int | None = None) -> pd.DataFrame:
        return self._take(lambda: self._reader.read(nrows))

    def _take(self, read: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        try:
            chunk = read()
        except (StopIteration, OSError):
            raise
        except Exception as exc:
            raise self._sanitise(exc) from None
        number, self._count = self._count, self._count + 1
        return self._govern(chunk, number)

    def close(self) -> None:
        self._reader.close()

    def __enter__(self) -> GovernedChunks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)


def nth_chunk(read: Callable[[], Any], number: int) -> pd.DataFrame:
    """Chunk ``number`` of a fresh reader (for unmasking a chunk: the source is read again)."""
    reader = read()
    with reader if hasattr(reader, "__enter__") else contextlib.closing(reader):
        for position, chunk in enumerate(reader):
            if position == number:
                return chunk
    raise OSError(f"the source has fewer than {number + 1} chunks now")
