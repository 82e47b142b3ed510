"""Record format 2: who acted (JupyterHub user, else the OS user) and on which server, inside the hash.

Format-1 records (written before identities existed, in a schema-1 file) still verify, alone and
followed by format-2 records after the file is upgraded; stripping or changing the identity of a
format-2 record is detected.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import socket
import sqlite3
from pathlib import Path

import pytest

from jupyter_privacy.ledger import GENESIS_HASH, LedgerRecord, SqliteLedgerStore, verify_chain
from jupyter_privacy.ledger.records import V1_RECORD_FIELDS, canonical_json

POLICY = "ab" * 32
NB = "/home/u/a.ipynb"


def test_identity_from_jupyterhub_user_and_server_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUPYTERHUB_USER", "ana")
    monkeypatch.setenv("JUPYTERHUB_SERVER_NAME", "gpu")
    store = SqliteLedgerStore(tmp_path / "l.sqlite3")
    rec = store.append(NB, "purpose_declared", {"purpose": "churn"}, policy_sha256=POLICY)
    store.close()
    assert (rec.user, rec.server, rec.record_version) == ("ana", f"{socket.gethostname()}/gpu", 2)
    d = rec.to_dict()
    assert {"user": "ana", "record_version": 2}.items() <= d.items()
    # the documented formula, recomputed by hand, covers the identity fields
    body = json.dumps(
        {k: v for k, v in d.items() if k != "hash"}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()
    assert hashlib.sha256(GENESIS_HASH.encode() + body).hexdigest() == rec.hash
    assert LedgerRecord.from_dict(json.loads(rec.to_json()), check_hash=True) == rec


def test_a_gateway_kernel_is_named_by_kernel_username(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A kernel started through a gateway gets only KERNEL_* variables unless the admin allows more:
    KERNEL_USERNAME names the user before the OS user of the remote host ("jovyan" for everyone)."""
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.setenv("KERNEL_USERNAME", "ana")
    with SqliteLedgerStore(tmp_path / "l.sqlite3") as store:
        assert store.append(NB, "session_start", {}, policy_sha256=POLICY).user == "ana"
    monkeypatch.setenv("JUPYTERHUB_USER", "bo")  # the Hub's name, when it reaches the kernel, comes first
    with SqliteLedgerStore(tmp_path / "l.sqlite3") as store:
        assert store.append(NB, "session_start", {}, policy_sha256=POLICY).user == "bo"


def test_identity_falls_back_to_os_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.delenv("KERNEL_USERNAME", raising=False)
    monkeypatch.delenv("JUPYTERHUB_SERVER_NAME", raising=False)
    store = SqliteLedgerStore(tmp_path / "l.sqlite3")
    rec = store.append(NB, "session_start", {}, policy_sha256=POLICY)
    assert (rec.user, rec.server) == (getpass.getuser(), socket.gethostname())
    assert next(store.records(NB)) == rec
    store.close()


def _schema1_file(path: Path) -> list[dict[str, object]]:
    """A ledger file exactly as version 1 wrote it: no identity columns, format-1 records."""
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE ledger_schema (id INTEGER PRIMARY KEY CHECK (id = 1), application TEXT NOT NULL,
            version INTEGER NOT NULL, created_ts TEXT NOT NULL);
        INSERT INTO ledger_schema VALUES (1, 'jupyter-privacy-ledger', 1, '2026-01-01T00:00:00.000000Z');
        CREATE TABLE records (notebook TEXT NOT NULL, seq INTEGER NOT NULL, ts TEXT NOT NULL, kernel_id TEXT,
            cell_id TEXT, execution_count INTEGER, code_sha256 TEXT, event TEXT NOT NULL, payload TEXT NOT NULL,
            policy_sha256 TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
            PRIMARY KEY (notebook, seq)) WITHOUT ROWID;
        CREATE TABLE heads (notebook TEXT PRIMARY KEY, seq INTEGER NOT NULL, hash TEXT NOT NULL) WITHOUT ROWID;
    """)
    prev, written = GENESIS_HASH, []
    for seq in (1, 2):
        body = {
            "seq": seq,
            "ts": f"2026-01-01T00:00:0{seq}.000000Z",
            "notebook": NB,
            "kernel_id": None,
            "cell_id": None,
            "execution_count": seq,
            "code_sha256": None,
            "event": "dataset_loaded",
            "payload": {"source": "c.csv"},
            "policy_sha256": POLICY,
            "prev_hash": prev,
        }
        h = hashlib.sha256(prev.encode() + canonical_json(body)).hexdigest()
        conn.execute(
            "INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                NB,
                seq,
                body["ts"],
                None,
                None,
                seq,
                None,
                "dataset_loaded",
                canonical_json(body["payload"]).decode(),
                POLICY,
                prev,
                h,
            ),
        )
        written.append({**body, "hash": h})
        prev = h
    conn.execute("INSERT INTO heads VALUES (?, 2, ?)", (NB, prev))
    conn.commit()
    conn.close()
    return written


def test_format1_records_verify_read_only_and_after_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    written = _schema1_file(path)
    ro = SqliteLedgerStore(path, readonly=True)
    assert verify_chain(ro, NB).ok
    old = list(ro.records(NB))
    assert [r.to_dict() for r in old] == written  # exported as format 1: no identity fields
    assert all(list(r.to_dict()) == list(V1_RECORD_FIELDS) for r in old)
    ro.close()

    store = SqliteLedgerStore(path)  # writable: upgraded to schema 2 in place
    new = store.append(NB, "unmask_granted", {"columns": ["email"]}, policy_sha256=POLICY)
    assert new.seq == 3 and new.prev_hash == written[-1]["hash"] and new.record_version == 2
    report = verify_chain(store, NB)
    assert report.ok and report.records_checked == 3, report
    store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version FROM ledger_schema").fetchone() == (2,)


@pytest.mark.parametrize(
    "edit",
    [
        "UPDATE records SET user = 'someone-else' WHERE seq = 2",
        "UPDATE records SET server = 'other-host' WHERE seq = 2",
        "UPDATE records SET user = NULL, server = NULL, record_version = NULL WHERE seq = 2",
    ],
)
def test_identity_changes_are_detected(tmp_path: Path, edit: str) -> None:
    path = tmp_path / "l.sqlite3"
    store = SqliteLedgerStore(path)
    for i in range(3):
        store.append(NB, "dataset_loaded", {"i": i}, policy_sha256=POLICY)
    store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TRIGGER records_no_update")
        conn.execute(edit)
    conn.close()
    ro = SqliteLedgerStore(path, readonly=True)
    report = verify_chain(ro, NB)
    ro.close()
    assert not report.ok and report.problem is not None
    assert (report.problem.kind, report.problem.seq) == ("edited", 2)
