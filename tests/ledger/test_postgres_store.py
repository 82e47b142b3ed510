"""The PostgreSQL log store against a real PostgreSQL 15 (a throw-away cluster started by the tests).

The notebook users' role (a member of jupyter_privacy_writer) can append through the database function
and read, nothing else: every rewrite is refused by the database itself. The database assigns seq,
prev_hash, ts and hash; its canonical JSON equals Python's, so `verify` recomputes the same hashes.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest

from jupyter_privacy.ledger import (
    GENESIS_HASH,
    LedgerError,
    compute_hash,
    open_store,
    verify_all,
    verify_chain,
)
from jupyter_privacy.ledger.identity import Identity
from jupyter_privacy.ledger.postgres_schema import WRITER, init_db
from jupyter_privacy.ledger.postgres_store import PostgresLedgerStore
from jupyter_privacy.policy import default_policy

POLICY = "ab" * 32
NB = "/home/ana/churn.ipynb"
_ids = itertools.count()


@dataclass
class Db:
    admin_dsn: str
    user_dsn: str
    output: list[str]


@pytest.fixture
def db(pg_cluster: Any) -> Iterator[Db]:
    name = f"ledger_{next(_ids)}"
    with psycopg.connect(pg_cluster.dsn(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'ana'").fetchone() is None:
            conn.execute("CREATE ROLE ana LOGIN")
    output: list[str] = []
    with psycopg.connect(pg_cluster.dsn(dbname=name)) as conn:
        init_db(conn, output.append)
        conn.execute(f"GRANT {WRITER} TO ana")
        conn.commit()
    yield Db(pg_cluster.dsn(dbname=name), pg_cluster.dsn("ana", dbname=name), output)


def test_append_read_verify_and_hash_equals_python(db: Db) -> None:
    store = PostgresLedgerStore(db.user_dsn, identity=Identity("ana", "hub-1/gpu"))
    tricky = {
        "q": 'say "hi"\\',
        "ctl": "a\nb\t\x01\x7f",
        "uni": "Zoë 東京 🙂 \u2028",
        "n": [1, 2.5, -0.0, 1e-7],
        "nested": {"z": None, "a": True, "É": False},
    }
    r1 = store.append(NB, "session_start", {}, kernel_id="k1", policy_sha256=POLICY)
    r2 = store.append(
        NB,
        "dataset_loaded",
        tricky,
        cell_id="c1",
        execution_count=3,
        code_sha256="cd" * 32,
        policy_sha256=POLICY,
    )
    assert (r1.seq, r1.prev_hash, r2.seq, r2.prev_hash) == (1, GENESIS_HASH, 2, r1.hash)
    assert (r2.user, r2.server, r2.record_version) == ("ana", "hub-1/gpu", 2)
    for rec in (r1, r2):
        assert rec.hash == compute_hash(rec.prev_hash, rec.to_dict())  # SQL's canonical JSON == Python's
    assert list(store.records(NB)) == [r1, r2]
    assert store.notebooks() == [NB] and store.head(NB) == r2
    assert verify_chain(store, NB).ok
    store.close()


def test_init_db_is_idempotent_and_says_what_it_did(db: Db) -> None:
    assert any("schema jupyter_privacy: created" in line for line in db.output)
    again: list[str] = []
    with psycopg.connect(db.admin_dsn) as conn:
        init_db(conn, again.append)
    assert any("schema jupyter_privacy: exists" in line for line in again)
    assert any("table jupyter_privacy.records: exists" in line for line in again)
    store = PostgresLedgerStore(db.user_dsn)
    store.append(NB, "session_start", {}, policy_sha256=POLICY)
    assert verify_chain(store, NB).ok
    store.close()


REWRITES = {
    "update": "UPDATE jupyter_privacy.records SET payload = '{}'",
    "delete": "DELETE FROM jupyter_privacy.records",
    "truncate": "TRUNCATE jupyter_privacy.records",
    "update head": "UPDATE jupyter_privacy.heads SET seq = 1",
    "delete head": "DELETE FROM jupyter_privacy.heads",
    "drop table": "DROP TABLE jupyter_privacy.records",
    "alter table": "ALTER TABLE jupyter_privacy.records DISABLE TRIGGER ALL",
    "add column": "ALTER TABLE jupyter_privacy.records ADD COLUMN x int",
    "drop schema": "DROP SCHEMA jupyter_privacy CASCADE",
    "create table": "CREATE TABLE jupyter_privacy.fake (x int)",
    "drop function": "DROP FUNCTION jupyter_privacy.append",
    "replace function": "CREATE OR REPLACE FUNCTION jupyter_privacy.append(p_notebook text, p_event text, "
    "p_payload text, p_kernel_id text, p_cell_id text, p_execution_count bigint, p_code_sha256 text, "
    "p_policy_sha256 text, p_user text, p_server text) RETURNS jupyter_privacy.records LANGUAGE sql "
    "AS 'SELECT NULL::jupyter_privacy.records'",
    "insert chosen seq/prev_hash/hash": "INSERT INTO jupyter_privacy.records (notebook, seq, ts, event, payload, "
    "policy_sha256, prev_hash, hash) VALUES ('/home/ana/churn.ipynb', 2, '2026-01-01T00:00:00.000000Z', "
    "'unmask_granted', '{}', repeat('a', 64), repeat('0', 64), repeat('b', 64))",
    "insert head": "INSERT INTO jupyter_privacy.heads VALUES ('/x', 1, repeat('0', 64))",
    # a GRANT by a non-owner only warns ("no privileges were granted"); the INSERT after it is refused
    "grant to self, then insert": "GRANT INSERT ON jupyter_privacy.records TO ana; "
    "INSERT INTO jupyter_privacy.records (notebook, seq, ts, event, payload, policy_sha256, prev_hash, hash) "
    "VALUES ('/x', 1, 't', 'e', '{}', 'p', 'h', 'h')",
    "set role to the owner": "SET ROLE jupyter_privacy_owner",
}


@pytest.mark.parametrize("statement", list(REWRITES.values()), ids=list(REWRITES))
def test_users_role_cannot_rewrite_anything(db: Db, statement: str) -> None:
    store = PostgresLedgerStore(db.user_dsn)
    store.append(NB, "purpose_declared", {"purpose": "churn"}, policy_sha256=POLICY)
    store.close()
    with psycopg.connect(db.user_dsn, autocommit=True) as conn:
        *before, last = statement.split("; ")
        for sql in before:
            conn.execute(sql)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(last)
    store = PostgresLedgerStore(db.user_dsn, readonly=True)
    assert [r.event for r in store.records(NB)] == ["purpose_declared"]
    assert verify_chain(store, NB).ok
    store.close()


def test_the_function_rejects_bad_input_without_writing(db: Db) -> None:
    with psycopg.connect(db.user_dsn, autocommit=True) as conn:
        for args in (("", "x"), ("/nb", "Bad-Event")):
            with pytest.raises(psycopg.errors.InvalidParameterValue):
                conn.execute(
                    "SELECT jupyter_privacy.append(%s, %s, '{}', NULL, NULL, NULL, NULL, repeat('a', 64), "
                    "'u', 's')",
                    args,
                )
        with pytest.raises(psycopg.errors.InvalidParameterValue):
            conn.execute(
                "SELECT jupyter_privacy.append('/nb', 'x', '[1]', NULL, NULL, NULL, NULL, repeat('a', 64), "
                "'u', 's')"
            )
    store = PostgresLedgerStore(db.user_dsn, readonly=True)
    assert store.notebooks() == []
    store.close()


def test_open_store_from_policy_and_dsn_never_in_errors(db: Db, monkeypatch: pytest.MonkeyPatch) -> None:
    base = default_policy()
    policy = base.model_copy(
        update={"log": base.log.model_copy(update={"store": "postgresql", "dsn_env": "TEAM_LOG_DSN"})}
    )
    monkeypatch.delenv("TEAM_LOG_DSN", raising=False)
    with pytest.raises(LedgerError, match="TEAM_LOG_DSN"):
        open_store(policy)
    monkeypatch.setenv("TEAM_LOG_DSN", db.user_dsn)
    store = open_store(policy)
    store.append(NB, "session_start", {}, policy_sha256=POLICY)
    assert [r.ok for r in verify_all(store)] == [True]
    assert db.user_dsn not in store.location
    store.close()
    secret = db.user_dsn.replace("user=ana", "user=nobody password=s3cr3t-Pw")
    monkeypatch.setenv("TEAM_LOG_DSN", secret)
    with pytest.raises(LedgerError) as info:
        open_store(policy)
    assert "s3cr3t" not in str(info.value) and "nobody" not in str(info.value)
    monkeypatch.setenv(
        "TEAM_LOG_DSN", "host=127.0.0.1 port=1 dbname=x user=y password=s3cr3t-Pw connect_timeout=2"
    )
    with pytest.raises(LedgerError, match="cannot be reached") as info:
        open_store(policy)
    assert "s3cr3t" not in str(info.value)


def test_witness_over_postgresql_catches_an_owner_level_rewrite(db: Db, tmp_path: Any) -> None:
    from jupyter_privacy.ledger.witness import check_store, generate_keypair, load_private_key, sign_heads

    generate_keypair(tmp_path / "w.key", tmp_path / "w.pub")
    key = load_private_key(tmp_path / "w.key")
    checkpoints = tmp_path / "checkpoints.jsonl"
    store = PostgresLedgerStore(db.user_dsn)
    for event in ("session_start", "purpose_declared", "unmask_granted"):
        store.append(NB, event, {}, policy_sha256=POLICY)
    assert [f.kind for f in sign_heads(store, key, checkpoints)] == ["signed"]
    store.append(NB, "output_written", {}, policy_sha256=POLICY)
    finding = check_store(store, checkpoints, key.public_key())[0]
    assert (finding.kind, finding.unsigned) == ("unsigned_tail", 1)
    # a superuser (not a notebook user) deletes the unmask record and rebuilds the chain
    with psycopg.connect(db.admin_dsn, autocommit=True) as conn:
        conn.execute("DELETE FROM jupyter_privacy.records WHERE event IN ('unmask_granted', 'output_written')")
        conn.execute("DELETE FROM jupyter_privacy.heads")
        rows = conn.execute("SELECT seq, hash FROM jupyter_privacy.records ORDER BY seq DESC LIMIT 1").fetchone()
        conn.execute("INSERT INTO jupyter_privacy.heads VALUES (%s, %s, %s)", (NB, rows[0], rows[1]))
    assert verify_chain(store, NB).ok  # consistent on its own
    finding = check_store(store, checkpoints, key.public_key())[0]
    assert finding.kind == "rolled_back" and finding.tampered
    store.close()


def test_user_check_login_makes_the_database_vouch_for_the_user(db: Db) -> None:
    """With ``--user-check login`` a kernel cannot put another user's name on its records: the append
    function refuses a user other than the login role, and nothing is written; the setting survives a
    re-run of init-db that does not name it, and ``any`` lifts it."""
    lines: list[str] = []
    with psycopg.connect(db.admin_dsn) as conn:
        init_db(conn, lines.append, "login")
    assert any(line.startswith("user check: login") for line in lines)
    with PostgresLedgerStore(db.user_dsn, identity=Identity("ana", "hub")) as own:
        own.append(NB, "session_start", {}, policy_sha256=POLICY)
    forged = PostgresLedgerStore(db.user_dsn, identity=Identity("bo", "hub"))
    with forged, pytest.raises(LedgerError, match="takes the user from the database login") as caught:
        forged.append(NB, "purpose_declared", {"purpose": "x"}, policy_sha256=POLICY)
    assert db.user_dsn not in str(caught.value)
    with psycopg.connect(db.user_dsn, autocommit=True) as conn:  # straight through the function, too
        with pytest.raises(psycopg.Error) as raw:
            conn.execute(
                "SELECT jupyter_privacy.append('/nb', 'x', '{}', NULL, NULL, NULL, NULL, repeat('a', 64), "
                "'bo', 's')"
            )
        assert raw.value.sqlstate == "JPU01"
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # and the setting is not theirs to change
            conn.execute("UPDATE jupyter_privacy.settings SET value = 'any'")
    kept: list[str] = []
    with psycopg.connect(db.admin_dsn) as conn:
        init_db(conn, kept.append)
    assert any(line.startswith("user check: login") for line in kept)
    with PostgresLedgerStore(db.user_dsn, readonly=True) as store:
        assert [(r.user, r.event) for r in store.records(NB)] == [("ana", "session_start")]
        assert store.notebooks() == [NB]
    with psycopg.connect(db.admin_dsn) as conn:
        init_db(conn, kept.append, "any")
    with PostgresLedgerStore(db.user_dsn, identity=Identity("bo", "hub")) as anyone:
        assert anyone.append(NB, "session_start", {}, policy_sha256=POLICY).user == "bo"
