"""Verify the hash chains of a processing log and name the first problem precisely.

Verification reads the rows *as stored* (:meth:`LedgerStore.raw_records`), recomputes every record's
hash from its contents and checks that each record links to the one before it. It never trusts a hash
it has not recomputed. Kinds of problem (the first one found per notebook is reported):

``edited``      a record's stored hash does not match its contents (a field was changed), or the record
                its successor links to was rewritten together with its hash;
``deleted``     records are missing in the middle or at the start (seq gap, or a record links to a hash
                that is no longer in the chain);
``reordered``   a record is intact (its hash matches its contents under its original seq) but it sits at
                the wrong place: it links to a record that is stored elsewhere in the chain;
``inserted``    records were added between two records that link to each other, or after the head;
``duplicate``   a record's stored hash also belongs to another record (a copy);
``truncated``   the head pointer (stored separately, updated with every append) names more records than
                exist, or its hash differs from the last record's;
``head_missing`` records exist but the head pointer of the notebook was removed;
``damaged``     a stored field has the wrong type (text where a number belongs, bytes), in a record or in
                the head pointer.

What it cannot detect (see docs/ledger.md): someone able to rewrite the whole file can rebuild a
consistent chain and head; only a head hash kept elsewhere (an export, a copy sent to the DPO) proves that.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from .records import GENESIS_HASH, compute_hash
from .store import LedgerStore, RawRecord

PROBLEM_KINDS = (
    "edited",
    "deleted",
    "reordered",
    "inserted",
    "duplicate",
    "truncated",
    "head_missing",
    "damaged",
)
_TYPES: tuple[tuple[str, tuple[type, ...], bool], ...] = (
    # field, accepted types, may be null
    ("seq", (int,), False),
    ("ts", (str,), False),
    ("notebook", (str,), False),
    ("kernel_id", (str,), True),
    ("cell_id", (str,), True),
    ("execution_count", (int,), True),
    ("code_sha256", (str,), True),
    ("event", (str,), False),
    ("payload", (str,), False),
    ("policy_sha256", (str,), False),
    ("prev_hash", (str,), False),
    ("hash", (str,), False),
    ("user", (str,), True),
    ("server", (str,), True),
    ("record_version", (int,), True),
)

_SEQ_WINDOW = 64  # how far from its stored seq a moved record's original seq is searched
_LOOKAHEAD = 64  # how many following records are examined to recognise inserted ones


@dataclass(frozen=True)
class ChainProblem:
    """The first problem of a chain: its kind (see :data:`PROBLEM_KINDS`), the seq it concerns, a message."""

    kind: str
    seq: int | None
    message: str


@dataclass(frozen=True)
class ChainReport:
    """The result of verifying one notebook's chain.

    ``records_checked`` is the number of stored records read; ``records_intact`` how many of them, from
    the start, verified before the first problem. ``head_seq``/``head_hash`` are the stored head pointer
    (or the last record when there is none).
    """

    notebook: str
    ok: bool
    records_checked: int
    records_intact: int
    head_seq: int | None
    head_hash: str | None
    problem: ChainProblem | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        """One line: ``OK NOTEBOOK (N records, head HASH)`` or ``BROKEN NOTEBOOK: KIND at seq S: MESSAGE``."""
        if self.ok:
            n = self.records_checked
            head = f", head {self.head_hash}" if self.head_hash else ""
            return f"OK      {self.notebook} ({n} record{'s' if n != 1 else ''}{head})"
        assert self.problem is not None
        p = self.problem
        return f"BROKEN  {self.notebook}: {p.kind} at seq {p.seq}: {p.message}"


class _Rows:
    """The stored rows of one chain with cached parsing and hash checks."""

    def __init__(self, rows: list[RawRecord]) -> None:
        self.rows = rows
        self.by_hash: dict[Any, list[int]] = {}
        for i, row in enumerate(rows):
            self.by_hash.setdefault(row.hash, []).append(i)
        self._bodies: dict[int, dict[str, Any] | None] = {}
        self._intact: dict[int, int | None] = {}

    def body(self, i: int) -> dict[str, Any] | None:
        if i not in self._bodies:
            row = self.rows[i]
            try:
                payload = json.loads(row.payload) if isinstance(row.payload, str) else None
            except ValueError:
                payload = None
            if not isinstance(payload, dict):
                self._bodies[i] = None
            else:
                body = {
                    "seq": row.seq,
                    "ts": row.ts,
                    "notebook": row.notebook,
                    "kernel_id": row.kernel_id,
                    "cell_id": row.cell_id,
                    "execution_count": row.execution_count,
                    "code_sha256": row.code_sha256,
                    "event": row.event,
                    "payload": payload,
                    "policy_sha256": row.policy_sha256,
                    "prev_hash": row.prev_hash,
                }
                if row.record_version is not None:  # format 2: the identity is part of the hash
                    body.update(user=row.user, server=row.server, record_version=row.record_version)
                self._bodies[i] = body
        return self._bodies[i]

    def hash_ok(self, i: int, seq: Any) -> bool:
        """Whether row ``i``'s stored hash matches its contents if its seq were ``seq``."""
        body = self.body(i)
        row = self.rows[i]
        if body is None or not isinstance(row.prev_hash, str) or not isinstance(row.hash, str):
            return False
        try:
            return compute_hash(row.prev_hash, {**body, "seq": seq}) == row.hash
        except (ValueError, TypeError, UnicodeError):
            return False

    def intact_seq(self, i: int) -> int | None:
        """The seq under which row ``i``'s hash verifies (its stored one, or a nearby one if it was moved)."""
        if i not in self._intact:
            stored = self.rows[i].seq
            found: int | None = None
            if self.hash_ok(i, stored):
                found = stored
            elif isinstance(stored, int):
                for d in range(1, _SEQ_WINDOW + 1):
                    for cand in (stored - d, stored + d):
                        if cand >= 1 and self.hash_ok(i, cand):
                            found = cand
                            break
                    if found is not None:
                        break
            self._intact[i] = found
        return self._intact[i]


def verify_chain(store: LedgerStore, notebook: str) -> ChainReport:
    """Check every record of ``notebook`` and its head pointer; report the first problem precisely."""
    rows = _Rows(list(store.raw_records(notebook)))
    head = store.recorded_head(notebook)
    n = len(rows.rows)

    def report(intact: int, problem: ChainProblem | None) -> ChainReport:
        if head is not None:
            head_seq, head_hash = head.seq, head.hash
        elif n:
            head_seq, head_hash = rows.rows[-1].seq, rows.rows[-1].hash
        else:
            head_seq, head_hash = None, None
        head_seq = head_seq if type(head_seq) is int else None  # a damaged head is described, not echoed
        head_hash = head_hash if isinstance(head_hash, str) else None
        return ChainReport(notebook, problem is None, n, intact, head_seq, head_hash, problem)

    for i, row in enumerate(rows.rows):  # wrong types first: they would only confuse the link checks
        damage = _damage(row)
        if damage is not None:
            seq = row.seq if type(row.seq) is int else None
            where = f"record {seq}" if seq is not None else f"a record (stored seq is {_kind(row.seq)})"
            return report(
                i, ChainProblem("damaged", seq, f"{where} of notebook {notebook} is damaged: {damage}")
            )
    prev_hash, prev_seq = GENESIS_HASH, 0
    for i, row in enumerate(rows.rows):
        if row.prev_hash == prev_hash and row.seq == prev_seq + 1 and rows.hash_ok(i, row.seq):
            prev_hash, prev_seq = row.hash, row.seq
            continue
        return report(i, _classify(rows, i, notebook, prev_hash, prev_seq))

    last_seq, last_hash = prev_seq, prev_hash
    if head is not None and (type(head.seq) is not int or not isinstance(head.hash, str)):
        return report(
            n,
            ChainProblem(
                "damaged",
                None,
                f"the head pointer of notebook {notebook} is damaged: seq {_kind(head.seq)}, hash "
                f"{_kind(head.hash)} (expected an integer and a text hash)",
            ),
        )
    if head is None:
        if n:
            return report(
                n,
                ChainProblem(
                    "head_missing",
                    last_seq,
                    f"notebook {notebook} has {n} records but no head pointer: the heads table was edited "
                    "(records at the end may have been removed with it)",
                ),
            )
        return report(0, None)
    if head.seq > last_seq:
        missing = f"{last_seq + 1}" if head.seq == last_seq + 1 else f"{last_seq + 1}..{head.seq}"
        return report(
            n,
            ChainProblem(
                "truncated",
                last_seq + 1,
                f"notebook {notebook} was truncated: the head pointer says {head.seq} records but the chain "
                f"ends at record {last_seq}; record(s) {missing} are missing at the end",
            ),
        )
    if head.seq < last_seq:
        return report(
            n,
            ChainProblem(
                "inserted",
                head.seq + 1,
                f"record(s) {head.seq + 1}..{last_seq} of notebook {notebook} were added after the head "
                f"pointer (record {head.seq}) without going through the ledger",
            ),
        )
    if head.hash != last_hash:
        return report(
            n,
            ChainProblem(
                "truncated",
                last_seq,
                f"the head pointer of notebook {notebook} names record {head.seq} with hash {_short(head.hash)} "
                f"but the stored record {last_seq} has hash {_short(last_hash)}: the end of the chain was "
                "replaced",
            ),
        )
    return report(n, None)


def _classify(rows: _Rows, i: int, notebook: str, expected_prev: str, prev_seq: int) -> ChainProblem:
    """Name the problem at row ``i``, the first row that does not extend the verified chain."""
    row = rows.rows[i]
    seq = row.seq
    nb = notebook

    def problem(kind: str, at: Any, message: str) -> ChainProblem:
        return ChainProblem(kind, at if isinstance(at, int) else None, message)

    others = [j for j in rows.by_hash.get(row.hash, []) if j != i]
    if others:
        j = others[0]
        return problem(
            "duplicate",
            seq,
            f"record {seq} of notebook {nb} is a copy of record "
            f"{rows.rows[j].seq} (same stored hash {_short(row.hash)})",
        )

    intact = rows.intact_seq(i)
    if intact is None:
        # Garbage rows followed by a record that links to the last good one: they were inserted.
        nxt = _next_linking(rows, i, expected_prev, prev_seq + 1)
        if nxt is not None:
            return _inserted(nb, rows, i, nxt)
        return problem(
            "edited",
            seq,
            f"record {seq} of notebook {nb} was edited after it was written: "
            f"stored hash {_short(row.hash)} does not match its contents",
        )

    target = rows.by_hash.get(row.prev_hash)
    p: int | None = target[0] if target else (-1 if row.prev_hash == GENESIS_HASH else None)
    if row.prev_hash == expected_prev:
        if intact == prev_seq + 1:
            return problem(
                "edited",
                seq,
                f"record {intact} of notebook {nb} had its seq changed to {seq} after it was written",
            )
        return problem("edited", seq, f"record {seq} of notebook {nb} does not follow record {prev_seq}")
    if p is None:
        if intact > prev_seq + 1 or (isinstance(seq, int) and seq > prev_seq + 1):
            first = prev_seq + 1
            last = intact - 1
            which = f"{first}" if last <= first else f"{first}..{last}"
            return problem(
                "deleted",
                first,
                f"record(s) {which} of notebook {nb} were deleted: record "
                f"{intact} links to {_short(row.prev_hash)}, which is no longer in the chain",
            )
        return problem(
            "edited",
            prev_seq,
            f"record {prev_seq} of notebook {nb} was replaced after it was "
            f"written: record {intact} links to hash {_short(row.prev_hash)}, but the stored "
            f"record {prev_seq} has hash {_short(expected_prev)}",
        )
    if p > i:
        where = f"record {intact - 1}, stored at seq {rows.rows[p].seq}"
        return problem(
            "reordered",
            seq,
            f"records of notebook {nb} were reordered: the record stored at seq "
            f"{seq} is intact as record {intact}, and it links to {where}",
        )
    # p < i - 1 (or -1: the start of the chain): it links to an earlier record, skipping the rows in
    # between, which verified on their own: they were inserted.
    return _inserted(nb, rows, p + 1, i)


def _next_linking(rows: _Rows, start: int, expected_prev: str, expected_seq: int) -> int | None:
    for j in range(start + 1, min(len(rows.rows), start + 1 + _LOOKAHEAD)):
        if rows.rows[j].prev_hash == expected_prev and rows.intact_seq(j) == expected_seq:
            return j
    return None


def _inserted(nb: str, rows: _Rows, first: int, end: int) -> ChainProblem:
    s0 = rows.rows[first].seq
    s1 = rows.rows[end - 1].seq
    which = f"{s0}" if s0 == s1 else f"{s0}..{s1}"
    return ChainProblem(
        "inserted",
        s0 if isinstance(s0, int) else None,
        f"record(s) stored at seq {which} of notebook {nb} were inserted: record {rows.intact_seq(end)} "
        f"(now stored at seq {rows.rows[end].seq}) links directly to the record before them",
    )


def verify_all(store: LedgerStore, progress: Callable[[str], None] | None = None) -> list[ChainReport]:
    """Verify every notebook's chain in the store (sorted by notebook)."""
    reports = []
    for notebook in store.notebooks():
        if progress is not None:
            progress(notebook)
        reports.append(verify_chain(store, notebook))
    return reports


def _damage(row: RawRecord) -> str | None:
    """What is wrong with the types of a stored row, or None.

    Wrong values of the right type (a payload that is not a JSON object, say) are left to the hash check,
    which reports them as edits.
    """
    for name, types, nullable in _TYPES:
        value = getattr(row, name)
        if value is None and nullable:
            continue
        if type(value) not in types:
            expected = {int: "an integer", str: "text"}[types[0]] + (" or null" if nullable else "")
            return f"field {name} holds {_kind(value)}, expected {expected}"
    return None


def _kind(value: Any) -> str:
    """A value's type for a message (never the value: a damaged row may hold anything)."""
    names = {bytes: "bytes", str: "text", int: "an integer", float: "a float", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _short(h: Any) -> str:
    return f"{h[:16]}…" if isinstance(h, str) and len(h) > 16 else repr(h)
