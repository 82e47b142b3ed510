"""One real local SparkSession per test run (``local[2]``, no UI, event log on so tests can read it)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from jupyter_privacy.kernel.session import PrivacySession
from jupyter_privacy.policy import load_policy

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "privacy_policy.yaml"
KEY = "5f3e" * 16


@pytest.fixture(scope="session")
def event_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("spark-events")


@pytest.fixture(scope="session")
def spark(event_log: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable  # executors run this interpreter (with our package)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("jupyter-privacy-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.eventLog.enabled", "true")
        .config("spark.eventLog.dir", event_log.as_uri())
        .config("spark.eventLog.compress", "false")
        .config("spark.sql.warehouse.dir", tmp_path_factory.mktemp("spark-warehouse").as_uri())
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture
def privacy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PrivacySession:
    """A privacy session under the example policy, logging to a throw-away ledger."""
    data = yaml.safe_load(EXAMPLE.read_text())
    data["log"]["path"] = str(tmp_path / "ledger.sqlite3")
    policy = tmp_path / "policy.yaml"
    policy.write_text(yaml.safe_dump(data))
    monkeypatch.setenv("JUPYTER_PRIVACY_KEY", KEY)
    monkeypatch.setenv("JUPYTER_PRIVACY_NOTEBOOK", str(tmp_path / "spark.ipynb"))
    return PrivacySession(policy=load_policy(policy))
