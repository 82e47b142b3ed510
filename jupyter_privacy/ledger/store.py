"""The storage interface of the processing log, independent of the backend."""

from __future__ import annotations

import abc
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from .records import LedgerRecord


class LedgerError(Exception):
    """The log cannot be opened, read or written. Says what happened, where, and what to do.

    ``str(exc)`` is one line: ``WHAT: WHERE (FIX)``.
    """

    def __init__(self, what: str, where: str, fix: str) -> None:
        self.what = what
        self.where = where
        self.fix = fix
        super().__init__(f"{what}: {where} ({fix})")


@dataclass(frozen=True)
class HeadPointer:
    """What the store separately remembers as the last record of a chain (seq and hash)."""

    notebook: str
    seq: int
    hash: str


@dataclass(frozen=True)
class RawRecord:
    """A record exactly as stored, before any parsing: ``payload`` is the stored JSON text.

    Verification works on these so that a damaged row (bad JSON, wrong types) is reported as a broken
    chain rather than crashing the reader.
    """

    notebook: str
    seq: Any
    ts: Any
    kernel_id: Any
    cell_id: Any
    execution_count: Any
    code_sha256: Any
    event: Any
    payload: Any
    policy_sha256: Any
    prev_hash: Any
    hash: Any


class LedgerStore(abc.ABC):
    """An append-only, per-notebook hash-chained log.

    Implementations must make :meth:`append` atomic across threads *and processes*: reading the chain
    head, assigning ``seq``/``prev_hash``/``ts``/``hash``, writing the record and moving the head happen
    in one transaction, so concurrent kernels appending to the same notebook never fork the chain.
    """

    @abc.abstractmethod
    def append(
        self,
        notebook: str,
        event: str,
        payload: dict[str, Any],
        *,
        kernel_id: str | None = None,
        cell_id: str | None = None,
        execution_count: int | None = None,
        code_sha256: str | None = None,
        policy_sha256: str,
    ) -> LedgerRecord:
        """Append one record to ``notebook``'s chain and return it (with seq, ts, prev_hash, hash)."""

    @abc.abstractmethod
    def records(self, notebook: str) -> Iterator[LedgerRecord]:
        """The records of ``notebook`` in seq order (empty for an unknown notebook)."""

    @abc.abstractmethod
    def notebooks(self) -> list[str]:
        """Every notebook with records or a head pointer, sorted."""

    @abc.abstractmethod
    def head(self, notebook: str) -> LedgerRecord | None:
        """The record with the highest seq of ``notebook``, or None if it has none."""

    @abc.abstractmethod
    def raw_records(self, notebook: str) -> Iterator[RawRecord]:
        """The stored rows of ``notebook`` in stored-seq order, unparsed (for verification)."""

    @abc.abstractmethod
    def recorded_head(self, notebook: str) -> HeadPointer | None:
        """The separately stored head pointer of ``notebook`` (detects truncation of the tail)."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the backend's resources. The store cannot be used afterwards."""

    @property
    @abc.abstractmethod
    def location(self) -> str:
        """Where the store lives (a path or URL), for messages."""

    def __enter__(self) -> LedgerStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
