"""Tampering with the SQLite file directly is detected, with the right kind and seq.

Each test builds notebook A (10 records) and notebook B (5 records), closes the store, edits the file
with the sqlite3 module the way an attacker or a careless admin would, and verifies by reopening it
read-only. Notebook B must always stay intact.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from jupyter_privacy.ledger import GENESIS_HASH, SqliteLedgerStore, compute_hash, verify_all, verify_chain

POLICY = "ab" * 32
A = "/home/u/proj/a.ipynb"
B = "/home/u/proj/b.ipynb"
COLS = (
    "notebook, seq, ts, kernel_id, cell_id, execution_count, code_sha256, event, payload, "
    "policy_sha256, prev_hash, hash"
)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.sqlite3"
    store = SqliteLedgerStore(path)
    for i in range(1, 11):
        store.append(
            A,
            "dataset_loaded",
            {"i": i, "source": "customers.csv"},
            execution_count=i,
            cell_id=f"cell-{i}",
            policy_sha256=POLICY,
        )
    for i in range(1, 6):
        store.append(B, "output_written", {"i": i}, policy_sha256=POLICY)
    store.close()
    return path


def tamper(path: Path, *statements: str | tuple[str, tuple[object, ...]]) -> None:
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER IF EXISTS records_no_update")
    conn.execute("DROP TRIGGER IF EXISTS records_no_delete")
    for st in statements:
        if isinstance(st, tuple):
            conn.execute(*st)
        else:
            conn.execute(st)
    conn.commit()
    conn.close()


def row(path: Path, seq: int, notebook: str = A) -> dict[str, object]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    r = conn.execute(
        f"SELECT {COLS}, user, server, record_version FROM records WHERE notebook = ? AND seq = ?",
        (notebook, seq),
    ).fetchone()
    conn.close()
    return dict(r)


def check(path: Path, kind: str, seq: int, *words: str) -> None:
    store = SqliteLedgerStore(path, readonly=True)
    try:
        report = verify_chain(store, A)
        assert not report.ok, report
        assert report.problem is not None
        assert (report.problem.kind, report.problem.seq) == (kind, seq), report.problem
        assert A in report.problem.message
        for w in words:
            assert w in report.problem.message, report.problem.message
        others = [r for r in verify_all(store) if r.notebook != A]
        assert [(r.notebook, r.ok, r.records_checked) for r in others] == [(B, True, 5)]
    finally:
        store.close()


def shift_up(from_seq: int) -> list[str]:
    """Statements that renumber records >= from_seq of A by +1 (freeing from_seq)."""
    return [
        f"UPDATE records SET seq = seq + 1000 WHERE notebook = '{A}' AND seq >= {from_seq}",
        f"UPDATE records SET seq = seq - 999 WHERE notebook = '{A}' AND seq >= 1000",
    ]


def forged(path: Path, seq: int, prev_hash: str, *, valid: bool) -> tuple[str, tuple[object, ...]]:
    body = {
        "seq": seq,
        "ts": "2026-01-01T00:00:00.000000Z",
        "notebook": A,
        "kernel_id": None,
        "cell_id": None,
        "execution_count": None,
        "code_sha256": None,
        "event": "unmask_granted",
        "payload": {"columns": ["email"]},
        "policy_sha256": POLICY,
        "prev_hash": prev_hash,
    }
    h = compute_hash(prev_hash, body) if valid else os.urandom(32).hex()
    return (
        f"INSERT INTO records ({COLS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            A,
            seq,
            body["ts"],
            None,
            None,
            None,
            None,
            "unmask_granted",
            '{"columns":["email"]}',
            POLICY,
            prev_hash,
            h,
        ),
    )


def test_intact(db: Path) -> None:
    store = SqliteLedgerStore(db, readonly=True)
    assert all(r.ok and r.problem is None for r in verify_all(store))
    store.close()


def test_payload_edited(db: Path) -> None:
    tamper(
        db,
        f'UPDATE records SET payload = \'{{"i":4,"source":"other.csv"}}\' '
        f"WHERE notebook = '{A}' AND seq = 4",
    )
    check(db, "edited", 4, "record 4", "edited after it was written", "does not match its contents")


@pytest.mark.parametrize(
    "column,value",
    [
        ("ts", "2020-01-01T00:00:00.000000Z"),
        ("event", "unmask_denied"),
        ("policy_sha256", "cd" * 32),
        ("execution_count", 99),
        ("prev_hash", "ef" * 32),
        ("payload", "not json"),
    ],
)
def test_other_fields_edited(db: Path, column: str, value: object) -> None:
    tamper(db, (f"UPDATE records SET {column} = ? WHERE notebook = ? AND seq = 6", (value, A)))
    check(db, "edited", 6)


def test_edited_and_rehashed_is_caught_by_the_next_record(db: Path) -> None:
    r = row(db, 4)
    body = {k: r[k] for k in r if k != "hash"}
    body["payload"] = {"i": 4, "source": "other.csv"}
    tamper(
        db,
        (
            "UPDATE records SET payload = ?, hash = ? WHERE notebook = ? AND seq = 4",
            ('{"i":4,"source":"other.csv"}', compute_hash(str(r["prev_hash"]), body), A),
        ),
    )
    check(db, "edited", 4, "replaced")


def test_middle_record_deleted(db: Path) -> None:
    tamper(db, f"DELETE FROM records WHERE notebook = '{A}' AND seq = 5")
    check(db, "deleted", 5, "deleted")


def test_first_record_deleted(db: Path) -> None:
    tamper(db, f"DELETE FROM records WHERE notebook = '{A}' AND seq = 1")
    check(db, "deleted", 1)


def test_deleted_and_renumbered(db: Path) -> None:
    tamper(
        db,
        f"DELETE FROM records WHERE notebook = '{A}' AND seq = 5",
        f"UPDATE records SET seq = seq - 1 + 1000 WHERE notebook = '{A}' AND seq > 5",
        f"UPDATE records SET seq = seq - 1000 WHERE notebook = '{A}' AND seq > 1000",
        f"UPDATE heads SET seq = 9 WHERE notebook = '{A}'",
    )
    check(db, "deleted", 5)


def test_two_records_swapped(db: Path) -> None:
    tamper(
        db,
        f"UPDATE records SET seq = -1 WHERE notebook = '{A}' AND seq = 5",
        f"UPDATE records SET seq = 5 WHERE notebook = '{A}' AND seq = 6",
        f"UPDATE records SET seq = 6 WHERE notebook = '{A}' AND seq = -1",
    )
    check(db, "reordered", 5, "reordered", "intact as record 6")


def test_first_record_moved(db: Path) -> None:
    tamper(
        db,
        f"UPDATE records SET seq = -1 WHERE notebook = '{A}' AND seq = 1",
        f"UPDATE records SET seq = 1 WHERE notebook = '{A}' AND seq = 2",
        f"UPDATE records SET seq = 2 WHERE notebook = '{A}' AND seq = -1",
    )
    check(db, "reordered", 1)


def test_tail_truncated(db: Path) -> None:
    tamper(db, f"DELETE FROM records WHERE notebook = '{A}' AND seq >= 8")
    check(db, "truncated", 8, "truncated", "8..10")


def test_all_records_of_a_notebook_deleted(db: Path) -> None:
    tamper(db, f"DELETE FROM records WHERE notebook = '{A}'")
    check(db, "truncated", 1)


def test_head_pointer_deleted(db: Path) -> None:
    tamper(db, f"DELETE FROM heads WHERE notebook = '{A}'")
    check(db, "head_missing", 10)


def test_truncated_and_head_rewritten_consistently_is_not_detectable_without_an_anchor(db: Path) -> None:
    """Documented limit: rewriting records *and* head together leaves a valid (shorter) chain."""
    last = row(db, 7)
    tamper(
        db,
        f"DELETE FROM records WHERE notebook = '{A}' AND seq >= 8",
        (f"UPDATE heads SET seq = 7, hash = ? WHERE notebook = '{A}'", (last["hash"],)),
    )
    store = SqliteLedgerStore(db, readonly=True)
    report = verify_chain(store, A)
    store.close()
    assert report.ok and report.head_hash == last["hash"]  # the anchor (an exported head) is what differs


def test_head_hash_changed(db: Path) -> None:
    tamper(db, f"UPDATE heads SET hash = '{'12' * 32}' WHERE notebook = '{A}'")
    check(db, "truncated", 10)


@pytest.mark.parametrize("valid", [True, False], ids=["forged-hash", "garbage-hash"])
def test_record_inserted_in_the_middle(db: Path, valid: bool) -> None:
    prev = str(row(db, 4)["hash"])
    tamper(db, *shift_up(5), forged(db, 5, prev, valid=valid))
    check(db, "inserted", 5, "inserted")


def test_record_appended_after_head(db: Path) -> None:
    prev = str(row(db, 10)["hash"])
    tamper(db, forged(db, 11, prev, valid=True))
    check(db, "inserted", 11)


def test_record_inserted_at_start(db: Path) -> None:
    tamper(db, *shift_up(1), forged(db, 1, GENESIS_HASH, valid=True))
    check(db, "inserted", 1)


def test_duplicate_record(db: Path) -> None:
    r = row(db, 3)
    tamper(
        db,
        (
            f"INSERT INTO records ({COLS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (A, 11, *[r[c] for c in COLS.replace(" ", "").split(",")[2:]]),
        ),
    )
    check(db, "duplicate", 11, "copy of record 3")


@pytest.mark.parametrize(
    "mutate",
    [
        lambda p: tamper(p, f"DELETE FROM records WHERE notebook = '{A}' AND seq = 5"),
        lambda p: tamper(p, f"UPDATE records SET payload = '{{}}' WHERE notebook = '{A}' AND seq = 2"),
    ],
)
def test_verify_reads_raw_rows_not_a_cached_hash(db: Path, mutate: Callable[[Path], None]) -> None:
    """A store opened *before* the tampering still sees it: nothing is cached."""
    store = SqliteLedgerStore(db, readonly=True)
    assert verify_chain(store, A).ok
    mutate(db)
    assert not verify_chain(store, A).ok
    store.close()
