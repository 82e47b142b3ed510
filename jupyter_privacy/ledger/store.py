"""The storage interface of the processing log, independent of the backend."""

from __future__ import annotations

import abc
import json
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from .identity import Identity
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
    chain rather than crashing the reader. ``record_version`` is None for a format-1 row (no identity).
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
    user: Any = None
    server: Any = None
    record_version: Any = None


def parse_raw(raw: RawRecord, location: str) -> LedgerRecord:
    """The record a stored row holds, checked field by field.

    A damaged row (unreadable payload JSON, a field of the wrong type) raises :class:`LedgerError`
    naming the record and where it is stored, never a TypeError deep inside a reader.
    """
    try:
        record = LedgerRecord(
            seq=raw.seq,
            ts=raw.ts,
            notebook=raw.notebook,
            kernel_id=raw.kernel_id,
            cell_id=raw.cell_id,
            execution_count=raw.execution_count,
            code_sha256=raw.code_sha256,
            event=raw.event,
            payload=json.loads(raw.payload),
            policy_sha256=raw.policy_sha256,
            prev_hash=raw.prev_hash,
            hash=raw.hash,
            user=raw.user,
            server=raw.server,
            record_version=1 if raw.record_version is None else raw.record_version,
        )
        record.validate()
    except (TypeError, ValueError) as exc:
        raise LedgerError(
            f"record {raw.seq!r} of notebook {raw.notebook} cannot be read ({exc})",
            location,
            "run `jupyter-privacy verify`: the log may have been damaged or tampered with",
        ) from None
    return record


class LedgerStore(abc.ABC):
    """An append-only, per-notebook hash-chained log.

    Implementations must make :meth:`append` atomic across threads *and processes*: reading the chain
    head, assigning ``seq``/``prev_hash``/``ts``/``hash``, writing the record and moving the head happen
    in one transaction, so concurrent kernels appending to the same notebook never fork the chain.
    ``identity`` is who and where this store's appends are attributed to (the records' user and server).
    """

    identity: Identity

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

    def records_after(self, notebook: str, seq: int, limit: int) -> list[LedgerRecord]:
        """Up to ``limit`` records of ``notebook`` with a seq above ``seq``, in order.

        Backends override this with an indexed query; this default reads the chain from the start.
        """
        out: list[LedgerRecord] = []
        for raw in self.raw_records(notebook):
            if type(raw.seq) is int and raw.seq > seq:
                out.append(parse_raw(raw, self.location))
                if len(out) >= limit:
                    break
        return out

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
