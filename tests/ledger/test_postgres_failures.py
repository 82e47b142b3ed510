"""The team database goes away: before the kernel starts, or between two appends (a real PostgreSQL,
stopped and started by the test). Under enforce, loads, unmasks and purposes are refused with a clear
error and nothing is handed out; under warn, work goes on, a loud warning names the outage, and the
missed events are written as soon as the database is back (``log_outage``, then each event marked
``recorded_late``). The chain verifies afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml

from jupyter_privacy.kernel.context import CellContext
from jupyter_privacy.kernel.errors import LogUnavailable
from jupyter_privacy.kernel.session import PrivacySession, datasets_of
from jupyter_privacy.ledger import verify_chain
from jupyter_privacy.ledger.postgres_schema import init_db
from jupyter_privacy.ledger.postgres_store import PostgresLedgerStore
from jupyter_privacy.policy import load_policy

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CSV = EXAMPLES / "data" / "customers.csv"


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    from pg_cluster import start_cluster

    try:
        c = start_cluster()
    except RuntimeError as exc:
        pytest.skip(str(exc))
    with psycopg.connect(c.dsn()) as conn:
        init_db(conn, lambda _line: None)
    yield c
    c.remove()


def session(tmp_path: Path, cluster: Any, monkeypatch: pytest.MonkeyPatch, mode: str) -> PrivacySession:
    data = yaml.safe_load((EXAMPLES / "privacy_policy.yaml").read_text("utf-8"))
    data["log"] = {"store": "postgresql", "dsn_env": "TEAM_LOG_DSN"}
    data["enforcement"] = mode
    policy = tmp_path / "policy.yaml"
    policy.write_text(yaml.safe_dump(data), "utf-8")
    monkeypatch.setenv("TEAM_LOG_DSN", cluster.dsn() + " connect_timeout=3")
    monkeypatch.setenv("JUPYTER_PRIVACY_KEY", "6e" * 32)
    monkeypatch.setenv("JUPYTER_PRIVACY_NOTEBOOK", str(tmp_path / f"{mode}.ipynb"))
    s = PrivacySession(policy=load_policy(policy))
    s.cell = CellContext("c1", 1, "load")
    return s


def events(cluster: Any, notebook: str) -> list[tuple[str, dict[str, Any]]]:
    with PostgresLedgerStore(cluster.dsn(), readonly=True) as store:
        assert verify_chain(store, notebook).ok
        return [(r.event, r.payload) for r in store.records(notebook)]


def test_enforce_database_down_at_start_then_lost_between_appends(
    cluster: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cluster.stop("immediate")
    try:
        s = session(tmp_path, cluster, monkeypatch, "enforce")
        with pytest.raises(LogUnavailable, match="refused: the processing log cannot be written") as info:
            s.load(CSV, variable="customers")
        assert "dbname" not in str(info.value) and "nothing was done" in str(info.value)
        assert s.datasets == {}
        assert "THE PROCESSING LOG IS UNAVAILABLE" in capsys.readouterr().err  # session_start is kept
    finally:
        cluster.start()
    customers = s.load(CSV, variable="customers")  # back: the kept session_start goes first
    s.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    cluster.stop("immediate")  # killed between two appends
    try:
        with pytest.raises(LogUnavailable):
            s.unmask(customers, ["email"])
        assert s.grants == []
    finally:
        cluster.start()
    raw = s.unmask(customers, ["email"])
    assert datasets_of(raw)
    s.close()
    got = [e for e, _ in events(cluster, s.notebook)]
    assert got == ["log_outage", "session_start", "dataset_loaded", "purpose_declared", "unmask_granted"]


def test_warn_work_goes_on_and_missed_events_are_replayed(
    cluster: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = session(tmp_path, cluster, monkeypatch, "warn")
    s.start()
    cluster.stop("immediate")
    try:
        customers = s.load(CSV, variable="customers")
        assert datasets_of(customers)  # the masked frame is handed out
        assert "THE PROCESSING LOG IS UNAVAILABLE" in capsys.readouterr().err
        assert [m.event for m in s.outage.missed] == ["dataset_loaded"]
    finally:
        cluster.start()
    s.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    s.close()
    got = events(cluster, s.notebook)
    assert [e for e, _ in got] == ["session_start", "log_outage", "dataset_loaded", "purpose_declared"]
    outage, late = got[1][1], got[2][1]
    assert outage["missed_events"] == 1 and late["recorded_late"] is True and late["happened_at"]
