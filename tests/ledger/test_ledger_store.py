"""SQLite store: chains per notebook, head pointer, schema, durability settings, policy factory."""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

import pytest

from jupyter_privacy.ledger import (
    STORE_BACKENDS,
    LedgerError,
    SqliteLedgerStore,
    open_store,
    verify_all,
    verify_chain,
)
from jupyter_privacy.policy import parse_policy

POLICY = "ab" * 32


def test_chains_are_per_notebook(tmp_path: Path) -> None:
    store = SqliteLedgerStore(tmp_path / "l.sqlite3")
    for i in range(5):
        store.append("/nb/a.ipynb", "dataset_loaded", {"i": i}, policy_sha256=POLICY)
        store.append("/nb/b.ipynb", "output_written", {"i": i}, policy_sha256=POLICY)
    a = list(store.records("/nb/a.ipynb"))
    assert [r.seq for r in a] == [1, 2, 3, 4, 5]
    assert [r.payload["i"] for r in a] == [0, 1, 2, 3, 4]
    assert all(r.prev_hash == p.hash for p, r in itertools.pairwise(a))
    assert store.notebooks() == ["/nb/a.ipynb", "/nb/b.ipynb"]
    assert store.head("/nb/a.ipynb") == a[-1]
    assert store.head("/nb/none") is None
    assert list(store.records("/nb/none")) == []
    head = store.recorded_head("/nb/a.ipynb")
    assert head is not None and (head.seq, head.hash) == (5, a[-1].hash)
    reports = verify_all(store)
    assert [r.ok for r in reports] == [True, True]
    assert reports[0].records_checked == 5 and reports[0].head_hash == a[-1].hash
    assert verify_chain(store, "/nb/none").ok
    store.close()


def test_records_paginate_beyond_one_page(tmp_path: Path) -> None:
    store = SqliteLedgerStore(tmp_path / "l.sqlite3")
    for i in range(2100):
        store.append("/nb/a", "dataset_loaded", {"i": i}, policy_sha256=POLICY)
        if i == 5:
            # speed: the remaining appends do not need to reach the disk for this test
            assert store._conn is not None
            store._conn.execute("PRAGMA synchronous = OFF")
    assert [r.seq for r in store.records("/nb/a")] == list(range(1, 2101))
    assert verify_chain(store, "/nb/a").ok
    store.close()


def test_reopen_continues_chain_and_sqlite_settings(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "l.sqlite3"
    s1 = SqliteLedgerStore(path)
    r1 = s1.append("/nb/a", "session_start", {}, policy_sha256=POLICY)
    assert s1._conn is not None
    assert s1._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert s1._conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert s1._conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30000
    s1.close()
    assert (path.parent.stat().st_mode & 0o777) == 0o700
    assert (path.stat().st_mode & 0o777) == 0o600
    s2 = SqliteLedgerStore(path)
    r2 = s2.append("/nb/a", "session_start", {}, policy_sha256=POLICY)
    assert (r2.seq, r2.prev_hash) == (2, r1.hash)
    s2.close()
    ro = SqliteLedgerStore(path, readonly=True)
    with pytest.raises(LedgerError, match="read-only"):
        ro.append("/nb/a", "session_start", {}, policy_sha256=POLICY)
    assert [r.seq for r in ro.records("/nb/a")] == [1, 2]
    ro.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT application, version FROM ledger_schema").fetchone() == (
            "jupyter-privacy-ledger",
            2,
        )
        # append-only guard against accidental edits (not a security boundary)
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("DELETE FROM records")


def test_store_is_a_context_manager_and_close_is_final(tmp_path: Path) -> None:
    with SqliteLedgerStore(tmp_path / "l.sqlite3") as store:
        store.append("/nb/a", "session_start", {}, policy_sha256=POLICY)
    with pytest.raises(LedgerError, match="closed"):
        store.append("/nb/a", "session_start", {}, policy_sha256=POLICY)
    store.close()  # idempotent


def test_refuses_to_extend_an_inconsistent_chain(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite3"
    store = SqliteLedgerStore(path)
    for _ in range(3):
        store.append("/nb/a", "session_start", {}, policy_sha256=POLICY)
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TRIGGER records_no_delete")
        conn.execute("DELETE FROM records WHERE seq = 3")
    with pytest.raises(LedgerError, match="inconsistent"):
        store.append("/nb/a", "session_start", {}, policy_sha256=POLICY)
    store.append("/nb/b", "session_start", {}, policy_sha256=POLICY)  # other chains keep working
    store.close()


def test_open_store_from_policy(tmp_path: Path) -> None:
    path = tmp_path / "from-policy" / "ledger.sqlite3"
    yaml = (
        "version: 1\ncontroller: {name: Example B.V., contact: privacy@example.org}\n"
        f"log: {{store: sqlite, path: {path}}}\n"
    ).encode()
    policy = parse_policy(yaml, "test")
    store = open_store(policy)
    assert isinstance(store, SqliteLedgerStore) and store.location == str(path)
    store.append("/nb/a", "session_start", {}, policy_sha256=POLICY)
    store.close()
    assert path.is_file()
    assert set(STORE_BACKENDS) == {"sqlite", "postgresql"}
