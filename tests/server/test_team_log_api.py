"""The REST API and the sidebar state over the PostgreSQL team log (a real PostgreSQL cluster): the same
answers as over SQLite, kept up to date incrementally, verified, and exports logged through the database
function. Nothing of the log lands in a local SQLite file."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml

from jupyter_privacy.ledger import SqliteLedgerStore
from jupyter_privacy.ledger.identity import Identity
from jupyter_privacy.ledger.postgres_schema import WRITER, init_db
from jupyter_privacy.ledger.postgres_store import PostgresLedgerStore

_ids = itertools.count()
EXAMPLE_POLICY = Path(__file__).resolve().parents[2] / "examples" / "privacy_policy.yaml"


@pytest.fixture
def team_dsn(pg_cluster: Any) -> str:
    name = f"team_api_{next(_ids)}"
    with psycopg.connect(pg_cluster.dsn(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'carla'").fetchone() is None:
            conn.execute("CREATE ROLE carla LOGIN")
    with psycopg.connect(pg_cluster.dsn(dbname=name)) as conn:
        init_db(conn, lambda _line: None)
        conn.execute(f"GRANT {WRITER} TO carla")
        conn.commit()
    return str(pg_cluster.dsn("carla", dbname=name))


@pytest.fixture
def policy_file(privacy_dir: Path, team_dsn: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example policy with its log in PostgreSQL (the connection string in an environment variable)."""
    data = yaml.safe_load(EXAMPLE_POLICY.read_text("utf-8"))
    data["log"] = {"store": "postgresql", "dsn_env": "TEAM_LOG_DSN"}
    monkeypatch.setenv("TEAM_LOG_DSN", team_dsn)
    monkeypatch.setenv("HOME", str(privacy_dir / "home"))
    target = privacy_dir / "privacy_policy.yaml"
    target.write_text(yaml.safe_dump(data), "utf-8")
    return target


def log_to_postgres(dsn: str, notebook: str, scratch: Path) -> None:
    """The realistic session the conftest writes to ``scratch`` (SQLite), appended through the database
    function."""
    with SqliteLedgerStore(scratch, readonly=True) as source, PostgresLedgerStore(dsn) as team:
        for r in source.records(notebook):
            team.append(
                notebook,
                r.event,
                r.payload,
                kernel_id=r.kernel_id,
                cell_id=r.cell_id,
                execution_count=r.execution_count,
                code_sha256=r.code_sha256,
                policy_sha256=r.policy_sha256,
            )


async def get_json(jp_fetch: Any, endpoint: str, **params: str) -> dict[str, Any]:
    response = await jp_fetch("jupyter-privacy", endpoint, params=params)
    assert response.code == 200
    return dict(json.loads(response.body))


async def test_state_verify_and_export_over_postgresql(
    jp_fetch: Any, notebook: Any, session_log: Any, store_path: Path, team_dsn: str, privacy_dir: Path
) -> None:
    nb = notebook("team/churn.ipynb")
    session_log(nb)
    log_to_postgres(team_dsn, str(nb), store_path)
    store_path.unlink()  # the server must read PostgreSQL, not this scratch file
    state = await get_json(jp_fetch, "state", path="team/churn.ipynb")
    assert state["chains"] == [str(nb)] and state["records"] == 6
    assert state["purpose"]["purpose"] == "churn-model"
    assert state["grants"][0]["columns"] == ["email"]
    assert state["grants"][0]["user"]  # who was granted raw access
    with PostgresLedgerStore(team_dsn) as team:  # a new cell in the kernel: folded in at the next poll
        team.append(
            str(nb), "session_start", {"policy_default": False}, kernel_id="k2", policy_sha256="0" * 64
        )
    state = await get_json(jp_fetch, "state", path="team/churn.ipynb")
    assert state["records"] == 7 and state["purpose"] is None  # a new kernel session: no purpose yet
    verified = await get_json(jp_fetch, "verify", path="team/churn.ipynb")
    assert verified["ok"] is True and verified["chains"][0]["records_checked"] == 7
    response = await jp_fetch(
        "jupyter-privacy",
        "export",
        method="POST",
        body=json.dumps({"path": "team/churn.ipynb", "format": "json"}),
    )
    record = json.loads(response.body)
    assert record["verification"]["ok"] and record["evidence"]["unmask"][0]["decision"] == "granted"
    with PostgresLedgerStore(team_dsn, readonly=True) as team:
        events = [r.event for r in team.records(str(nb))]
    assert events[-1] == "record_exported"  # logged through jupyter_privacy.append
    assert not (privacy_dir / "home").exists()  # no local log file was made


async def test_appends_are_pushed_through_the_event_stream(
    jp_serverapp: Any, jp_ws_fetch: Any, jp_root_dir: Path, team_dsn: str, tmp_path: Path
) -> None:
    """The append function's NOTIFY reaches the server, which emits a log_appended event (API path and
    seq) on /api/events/subscribe for notebooks under its root only; nothing of the record is sent."""
    import asyncio

    from jupyter_privacy.server.handlers import SERVICE_KEY
    from jupyter_privacy.server.push import SCHEMA_ID

    await jp_serverapp._post_start()  # what a running server does once its event loop starts
    push = jp_serverapp.web_app.settings[SERVICE_KEY].push
    assert push is not None
    await asyncio.wait_for(push.listening.wait(), 20)
    ws = await jp_ws_fetch("api", "events", "subscribe")
    try:
        other = Identity("somebody-else", "jupyter-somebody-else")  # a container with the same root
        with PostgresLedgerStore(team_dsn, identity=other) as theirs:
            theirs.append(
                str(jp_root_dir / "team" / "theirs.ipynb"), "session_start", {}, policy_sha256="0" * 64
            )
        with PostgresLedgerStore(team_dsn) as team:
            team.append(str(tmp_path / "elsewhere.ipynb"), "session_start", {}, policy_sha256="0" * 64)
            team.append(
                str(jp_root_dir / "team" / "push.ipynb"),
                "purpose_declared",
                {"purpose": "churn-model"},
                policy_sha256="0" * 64,
            )
        message = json.loads(await asyncio.wait_for(ws.read_message(), 20))
    finally:
        ws.close()
        push.task.cancel()
    assert message["schema_id"] == SCHEMA_ID
    assert (message["path"], message["seq"]) == ("team/push.ipynb", 1)  # the first event is our own
    assert "churn-model" not in json.dumps(message)


async def test_another_users_notebook_of_the_same_path_stays_out(
    jp_fetch: Any, jp_serverapp: Any, notebook: Any, session_log: Any, store_path: Path, team_dsn: str
) -> None:
    """Under container spawners bob's ``analysis.ipynb`` has this user's path, so his records land on the
    same chain: this server's sidebar state, timeline and export show this user's records only, the chain
    verifies whole, and a rename here moves this user's records, not bob's."""
    nb = notebook("analysis.ipynb")
    session_log(nb)
    log_to_postgres(team_dsn, str(nb), store_path)
    store_path.unlink()
    bob = Identity("bob", "jupyter-bob")
    with PostgresLedgerStore(team_dsn, identity=bob) as theirs:
        theirs.append(
            str(nb), "session_start", {"policy_default": False}, kernel_id="kb", policy_sha256="0" * 64
        )
        theirs.append(
            str(nb),
            "purpose_declared",
            {"purpose": "marketing-consent", "lawful_basis": "consent", "reference": "CONSENT-2026A1"},
            kernel_id="kb",
            cell_id="c-bob",
            execution_count=1,
            policy_sha256="0" * 64,
        )
    state = await get_json(jp_fetch, "state", path="analysis.ipynb")
    assert state["records"] == 6 and state["purpose"]["purpose"] == "churn-model"  # bob's session_start
    assert "marketing-consent" not in json.dumps(state) and "c-bob" not in json.dumps(
        state
    )  # did not end ours
    verified = await get_json(jp_fetch, "verify", path="analysis.ipynb")
    assert verified["ok"] is True and verified["chains"][0]["records_checked"] == 8
    response = await jp_fetch(
        "jupyter-privacy",
        "export",
        method="POST",
        body=json.dumps({"path": "analysis.ipynb", "format": "json"}),
    )
    record = json.loads(response.body)
    assert "marketing-consent" not in response.body.decode() and record["verification"]["ok"]
    assert [p["id"] for p in record["purposes"]] == ["churn-model"]
    assert record["verification"]["chains"][0]["records_included"] == 6

    renamed = await jp_fetch(
        "api", "contents", "analysis.ipynb", method="PATCH", body=json.dumps({"path": "final.ipynb"})
    )
    assert renamed.code == 200
    await jp_serverapp.event_logger.gather_listeners()  # the alias is recorded by an event listener
    moved = await get_json(jp_fetch, "state", path="final.ipynb")
    assert moved["records"] == 7 and moved["purpose"]["purpose"] == "churn-model"  # 6 + the export
    from jupyter_privacy.server.handlers import SERVICE_KEY

    service = jp_serverapp.web_app.settings[SERVICE_KEY]
    with PostgresLedgerStore(team_dsn, readonly=True) as team:
        theirs_now = {
            service.aliases.owner(str(nb), r.to_dict()) for r in team.records(str(nb)) if r.user == "bob"
        }
    assert theirs_now == {str(nb)}  # bob's notebook was not renamed


async def test_the_same_users_other_named_server_stays_out(
    jp_fetch: Any, notebook: Any, session_log: Any, store_path: Path, team_dsn: str
) -> None:
    """JupyterHub named servers can each have their own volume (KubeSpawner's default claim is per
    server), so this user's ``gpu`` server has an ``analysis.ipynb`` of its own at the same path: a
    kernel starting there must not end this server's session in its sidebar."""
    from jupyter_privacy.ledger.identity import acting_user

    nb = notebook("analysis.ipynb")
    session_log(nb)
    log_to_postgres(team_dsn, str(nb), store_path)
    store_path.unlink()
    gpu = Identity(acting_user(), "jupyter-me--gpu/gpu")
    with PostgresLedgerStore(team_dsn, identity=gpu) as other:
        other.append(str(nb), "session_start", {"policy_default": False}, kernel_id="kg", policy_sha256="0" * 64)
    state = await get_json(jp_fetch, "state", path="analysis.ipynb")
    assert state["records"] == 6 and state["purpose"]["purpose"] == "churn-model"
    assert state["session"]["ended"] is None
