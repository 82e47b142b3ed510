"""The team set-up end to end on a real PostgreSQL: the admin runs `log init-db`, a notebook session
logs through the database function, the DPO runs `verify`, `log` and `export` over it with a read-only
role. The connection strings travel in environment variables only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml

from jupyter_privacy.kernel.context import CellContext
from jupyter_privacy.kernel.session import PrivacySession
from jupyter_privacy.ledger import LedgerError, open_store
from jupyter_privacy.policy import load_policy

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
KEY = "4d" * 32


@dataclass
class Team:
    policy: Path
    notebook: str
    env: dict[str, str]  # the DPO's environment
    admin_dsn: str
    user_dsn: str
    init_output: str


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "jupyter_privacy", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    return proc


@pytest.fixture(scope="module")
def team(pg_cluster: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Team]:
    tmp = tmp_path_factory.mktemp("team")
    with psycopg.connect(pg_cluster.dsn(), autocommit=True) as conn:
        conn.execute("CREATE DATABASE team_cli")
        for role in ("bea", "dora"):
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is None:
                conn.execute(f"CREATE ROLE {role} LOGIN")
    admin = pg_cluster.dsn(dbname="team_cli")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER_PRIVACY_", "JUPYTERHUB_"))}
    init = cli(
        {**base, "ADMIN_DSN": admin},
        "log",
        "init-db",
        "--dsn-env",
        "ADMIN_DSN",
        "--writer",
        "bea",
        "--reader",
        "dora",
        "--user-check",
        "login",  # bea's kernel reports JUPYTERHUB_USER=bea and connects as bea: the database vouches for it
    )
    assert init.returncode == 0, init.stderr
    data = yaml.safe_load((EXAMPLES / "privacy_policy.yaml").read_text("utf-8"))
    data["log"] = {"store": "postgresql", "dsn_env": "TEAM_LOG_DSN"}
    policy = tmp / "policy.yaml"
    policy.write_text(yaml.safe_dump(data), "utf-8")
    notebook = str(tmp / "project" / "churn.ipynb")
    user_dsn = pg_cluster.dsn("bea", dbname="team_cli")
    mp = pytest.MonkeyPatch()
    mp.setenv("JUPYTER_PRIVACY_KEY", KEY)
    mp.setenv("JUPYTER_PRIVACY_NOTEBOOK", notebook)
    mp.setenv("TEAM_LOG_DSN", user_dsn)
    mp.setenv("JUPYTERHUB_USER", "bea")
    mp.setenv("HOME", str(tmp / "home"))  # where a SQLite log or fingerprint file would go by default
    mp.chdir(EXAMPLES)
    session = PrivacySession(policy=load_policy(policy))
    try:
        session.cell = CellContext("c1", 1, "customers = %privacy_load data/customers.csv")
        customers = session.load(EXAMPLES / "data" / "customers.csv", variable="customers")
        session.cell = CellContext("c2", 2, "%privacy_purpose churn-model ...")
        session.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
        session.cell = CellContext("c3", 3, "%privacy_unmask customers --columns email")
        session.unmask(customers, ["email"])
    finally:
        session.close()
        mp.undo()
    env = {
        **base,
        "JUPYTER_PRIVACY_POLICY": str(policy),
        "JUPYTER_PRIVACY_KEY": KEY,
        "TEAM_LOG_DSN": pg_cluster.dsn("dora", dbname="team_cli"),
    }
    yield Team(policy, notebook, env, admin, user_dsn, init.stdout)
    assert not (tmp / "home").exists()  # nothing of the team log was kept on the kernel's machine


def test_init_db_says_what_it_did_and_is_idempotent(team: Team) -> None:
    assert "schema jupyter_privacy: created" in team.init_output
    assert "role bea: member of jupyter_privacy_writer" in team.init_output
    assert "role dora: member of jupyter_privacy_reader" in team.init_output
    again = cli({**team.env, "ADMIN_DSN": team.admin_dsn}, "log", "init-db", "--dsn-env", "ADMIN_DSN")
    assert again.returncode == 0 and "schema jupyter_privacy: exists" in again.stdout
    assert "user check: login" in team.init_output and "user check: login" in again.stdout  # kept
    assert team.admin_dsn not in again.stdout + again.stderr


def test_verify_log_and_export_over_postgresql(team: Team, tmp_path: Path) -> None:
    verify = cli(team.env, "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert verify.stdout.startswith(f"OK      {team.notebook} (4 records")
    log = cli(team.env, "log", "--notebook", team.notebook)
    events = [json.loads(line) for line in log.stdout.splitlines()]
    assert [e["event"] for e in events] == [
        "session_start",
        "dataset_loaded",
        "purpose_declared",
        "unmask_granted",
    ]
    assert {e["user"] for e in events} == {"bea"}
    out = tmp_path / "art30.json"
    export = cli(team.env, "export", "--notebook", team.notebook, "--format", "json", "--output", str(out))
    assert export.returncode == 0, export.stderr
    record = json.loads(out.read_text("utf-8"))
    assert record["verification"]["ok"]
    assert [u["user"] for u in record["evidence"]["unmask"]] == ["bea"]


def test_the_dpo_role_can_read_but_not_append(team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEAM_LOG_DSN", team.env["TEAM_LOG_DSN"])
    store = open_store(load_policy(team.policy))
    with pytest.raises(LedgerError, match="permission denied"):
        store.append(team.notebook, "unmask_granted", {}, policy_sha256="ab" * 32)
    assert len(list(store.records(team.notebook))) == 4
    store.close()


def test_missing_dsn_variable_is_a_clear_error(team: Team) -> None:
    env = {k: v for k, v in team.env.items() if k != "TEAM_LOG_DSN"}
    proc = cli(env, "verify")
    assert proc.returncode == 2
    assert "TEAM_LOG_DSN" in proc.stderr and "not set" in proc.stderr


def test_the_dpo_erasure_finds_a_users_load_through_fingerprints_in_the_database(team: Team) -> None:
    """The kernel stored the load's fingerprints in the team database (not on its own machine); the
    DPO's read-only role finds the person there, and a person not in the data is not found."""
    import pandas as pd

    with psycopg.connect(team.admin_dsn) as conn:
        (filters,) = conn.execute("SELECT count(*) FROM jupyter_privacy.fp_filters").fetchone()
        (role,) = conn.execute("SELECT DISTINCT db_role FROM jupyter_privacy.fp_filters").fetchone()
    assert (filters, role) == (1, "bea")
    email = pd.read_csv(EXAMPLES / "data" / "customers.csv")["email"][5]
    for subject, found in ((email, True), ("nobody.at.all@example.invalid", False)):
        proc = cli(team.env, "erasure", "--subject", f"email={subject}", "--format", "json")
        assert proc.returncode == 0, proc.stderr
        result = json.loads(proc.stdout)
        assert result["found"] is found, result
        assert [d["user"] for d in result["datasets"]] == (["bea"] if found else [])
        assert result["unsearchable_loads"] == [], result
        assert subject not in proc.stdout + proc.stderr


def test_users_role_cannot_change_fingerprints(team: Team) -> None:
    with psycopg.connect(team.user_dsn, autocommit=True) as conn:
        for sql in (
            "UPDATE jupyter_privacy.fp_chunks SET data = ''::bytea",
            "DELETE FROM jupyter_privacy.fp_filters",
            "TRUNCATE jupyter_privacy.fp_chunks",
            "INSERT INTO jupyter_privacy.fp_filters (sha256, scheme, m_log2, k, n_items, created_ts) "
            "VALUES ('x', 'jp-bloom-v2', 13, 14, 1, 't')",
            "DROP TABLE jupyter_privacy.fp_chunks",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql)
        with pytest.raises(psycopg.errors.InvalidParameterValue, match="wrong size"):
            conn.execute("SELECT jupyter_privacy.put_fingerprints('jp-bloom-v2', 13, 14, 1, '\\x00'::bytea)")
