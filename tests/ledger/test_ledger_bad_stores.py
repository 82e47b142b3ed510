"""Files at the store path that are not our ledger are refused with a clear LedgerError, never modified."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from jupyter_privacy.ledger import LedgerError, SqliteLedgerStore

POLICY = "ab" * 32


def _snapshot(path: Path) -> dict[str, bytes]:
    """The bytes of the file and of every sibling (a -wal/-shm created by mistake would show up)."""
    return {p.name: p.read_bytes() for p in sorted(path.parent.iterdir()) if p.is_file()}


def _refused(path: Path, *words: str, readonly: bool = False) -> LedgerError:
    before = _snapshot(path) if path.parent.is_dir() else {}
    with pytest.raises(LedgerError) as info:
        SqliteLedgerStore(path, readonly=readonly)
    exc = info.value
    assert str(path) in str(exc) or str(path.parent) in str(exc)
    assert exc.what and exc.where and exc.fix
    assert "\n" not in str(exc)
    for w in words:
        assert w in str(exc), str(exc)
    if before:
        assert _snapshot(path) == before, "the refused file (or its directory) was modified"
    return exc


@pytest.mark.parametrize("readonly", [False, True])
def test_text_file(tmp_path: Path, readonly: bool) -> None:
    path = tmp_path / "ledger.sqlite3"
    path.write_text("my notes, not a database\n" * 20)
    _refused(path, "not a SQLite database", "left untouched", readonly=readonly)


def test_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    data = b"\x00garbage" + os.urandom(8192)
    path.write_bytes(data)
    _refused(path, "not a SQLite database")


def test_corrupt_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    store = SqliteLedgerStore(path)
    store.append("/nb/a", "session_start", {}, policy_sha256=POLICY)
    store.close()
    data = bytearray(path.read_bytes())
    data[16:4096] = os.urandom(4096 - 16)  # keep the magic, destroy page size and the schema page
    path.write_bytes(bytes(data))
    for p in path.parent.glob("*-wal"):
        p.unlink()
    _refused(path, "corrupt")


def test_truncated_header(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    path.write_bytes(b"SQLite format 3\x00" + b"\x10\x00")
    _refused(path, "corrupt")


def test_directory(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    path.mkdir()
    (path / "keep").write_text("x")
    _refused(path, "is a directory")
    assert (path / "keep").read_text() == "x"


def test_parent_is_a_file(tmp_path: Path) -> None:
    parent = tmp_path / "afile"
    parent.write_text("x")
    _refused(parent / "ledger.sqlite3", "cannot create the directory")
    assert parent.read_text() == "x"


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_unwritable_parent(tmp_path: Path) -> None:
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o500)
    try:
        _refused(parent / "ledger.sqlite3", "cannot create")
        _refused(parent / "sub" / "ledger.sqlite3", "cannot create the directory")
    finally:
        parent.chmod(0o700)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_existing_ledger_in_read_only_location(tmp_path: Path) -> None:
    parent = tmp_path / "ro"
    parent.mkdir()
    SqliteLedgerStore(parent / "ledger.sqlite3").close()
    parent.chmod(0o500)
    try:
        _refused(parent / "ledger.sqlite3", "read-only location")
        SqliteLedgerStore(parent / "ledger.sqlite3", readonly=True).close()  # reading still works
    finally:
        parent.chmod(0o700)


def test_someone_elses_sqlite_database(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER, email TEXT)")
        conn.execute("INSERT INTO customers VALUES (1, 'a@example.org')")
    conn.close()
    _refused(path, "not a jupyter-privacy ledger", "customers")
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # not switched to WAL
    conn.close()


def test_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    SqliteLedgerStore(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE ledger_schema SET version = 99")
    conn.close()
    _refused(path, "newer jupyter-privacy", "schema version 99", "upgrade")


def test_missing_file_read_only(tmp_path: Path) -> None:
    path = tmp_path / "nope.sqlite3"
    _refused(path, "no processing log", readonly=True)
    assert not path.exists()


def test_empty_file_becomes_a_ledger(tmp_path: Path) -> None:
    """A zero-byte file holds nothing to lose (e.g. a crash right after creating it)."""
    path = tmp_path / "ledger.sqlite3"
    path.touch()
    store = SqliteLedgerStore(path)
    assert store.append("/nb/a", "session_start", {}, policy_sha256=POLICY).seq == 1
    store.close()
