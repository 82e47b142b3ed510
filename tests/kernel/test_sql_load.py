"""Loading from SQL (DB-API connection and SQLAlchemy URL): masked, logged, unmaskable under a purpose."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest
import yaml
from faker import Faker

from jupyter_privacy.kernel.session import PrivacySession, datasets_of
from jupyter_privacy.ledger import SqliteLedgerStore, verify_chain
from jupyter_privacy.policy import load_policy

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "privacy_policy.yaml"


@pytest.fixture
def session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PrivacySession:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["log"]["path"] = str(tmp_path / "ledger.sqlite3")
    policy = tmp_path / "policy.yaml"
    policy.write_text(yaml.safe_dump(data))
    monkeypatch.setenv("JUPYTER_PRIVACY_KEY", "d" * 64)
    monkeypatch.setenv("JUPYTER_PRIVACY_NOTEBOOK", str(tmp_path / "sql.ipynb"))
    return PrivacySession(policy=load_policy(policy))


@pytest.fixture
def database(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    Faker.seed(5)
    fake = Faker()
    df = pd.DataFrame(
        {
            "id": range(300),
            "email": [fake.email() for _ in range(300)],
            "name": [fake.name() for _ in range(300)],
            "balance": [round(fake.pyfloat(min_value=0, max_value=1000), 2) for _ in range(300)],
        }
    )
    path = tmp_path / "crm.db"
    with sqlite3.connect(path) as con:
        df.to_sql("customers", con, index=False)
    return path, df


def test_dbapi_connection_load_is_masked_and_logged(
    session: PrivacySession, database: tuple[Path, pd.DataFrame]
) -> None:
    path, raw = database
    con = sqlite3.connect(path)
    masked = session.load_sql("SELECT * FROM customers", con)
    assert masked["email"].str.endswith("@masked.invalid").all()
    assert not set(raw["email"]) & set(masked["email"])
    assert masked["balance"].equals(raw["balance"])
    records = list(
        SqliteLedgerStore(session.policy.log.resolved_path(), readonly=True).records(session.notebook)
    )
    loaded = [r for r in records if r.event == "dataset_loaded"]
    assert len(loaded) == 1 and loaded[0].payload["source"].startswith("sql:Connection#")
    assert verify_chain(session.store, session.notebook).ok


def test_sqlalchemy_url_load_and_unmask_under_a_purpose(
    session: PrivacySession, database: tuple[Path, pd.DataFrame]
) -> None:
    path, raw = database
    masked = session.load_sql("SELECT id, email FROM customers", f"sqlite:///{path}")
    assert datasets_of(masked)
    session.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    unmasked = session.unmask(masked, ["email"])
    assert unmasked["email"].tolist() == raw["email"].tolist()


def test_changed_sql_result_refuses_unmask(
    session: PrivacySession, database: tuple[Path, pd.DataFrame]
) -> None:
    path, _raw = database
    masked = session.load_sql("SELECT id, email FROM customers", f"sqlite:///{path}")
    with sqlite3.connect(path) as con:
        con.execute("UPDATE customers SET email = 'someone.else@example.org' WHERE id = 3")
    session.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    from jupyter_privacy.kernel.errors import LoadError

    with pytest.raises(LoadError, match="changed since it was loaded"):
        session.unmask(masked, ["email"])
    with SqliteLedgerStore(session.policy.log.resolved_path(), readonly=True) as store:
        last = list(store.records(session.notebook))[-1]
    assert last.event == "unmask_denied" and "changed since it was loaded" in last.payload["reason"]


def test_bad_query_is_a_clear_error_and_logs_nothing(
    session: PrivacySession, database: tuple[Path, pd.DataFrame]
) -> None:
    from jupyter_privacy.kernel.errors import LoadError

    path, _raw = database
    with pytest.raises(LoadError, match="could not be run"):
        session.load_sql("SELECT * FROM no_such_table", f"sqlite:///{path}")
    assert not session.datasets
