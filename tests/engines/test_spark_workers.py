"""Spark's Python workers checked before a load, against a real local SparkSession whose workers run an
interpreter that cannot import pyarrow or this package (a session created without PYSPARK_PYTHON in a
JupyterLab whose PATH has another ``python3``)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from jupyter_privacy.kernel.errors import LoadError
from jupyter_privacy.kernel.session import PrivacySession
from jupyter_privacy.kernel.spark_load import load_spark
from jupyter_privacy.ledger import SqliteLedgerStore

PEOPLE = pd.DataFrame(
    {
        "email": ["ann.smith@example.org", "bob.jones@example.org", "cas.brown@example.org"],
        "date_of_birth": pd.to_datetime(["1980-02-03", "1975-11-30", "1990-07-14"]).date,
        "spend": [12.5, 40.0, 7.25],
    }
)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "people.parquet"
    PEOPLE.to_parquet(path, index=False)
    return path


@pytest.fixture
def other_python(spark: Any, tmp_path: Path) -> Iterator[str]:
    """The session's workers run this interpreter without its site-packages (no pyarrow, no package)
    for the test; the session is restored afterwards."""
    script = tmp_path / "python3"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -S "$@"\n')
    script.chmod(0o755)
    sc = spark.sparkContext
    before = sc.pythonExec
    sc.pythonExec = str(script)
    if hasattr(spark, "_jupyter_privacy_workers_ok"):
        delattr(spark, "_jupyter_privacy_workers_ok")
    try:
        yield str(script)
    finally:
        sc.pythonExec = before
        if hasattr(spark, "_jupyter_privacy_workers_ok"):
            delattr(spark, "_jupyter_privacy_workers_ok")


def _records(privacy: PrivacySession) -> list[Any]:
    path = privacy.policy.log.resolved_path()
    if not path.exists():
        return []
    store = SqliteLedgerStore(path, readonly=True)
    try:
        return list(store.records(privacy.notebook))
    finally:
        store.close()


def test_a_local_session_is_pointed_at_the_kernels_python(
    spark: Any, privacy: PrivacySession, source: Path, other_python: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="jupyter_privacy.engines.spark.workers"):
        masked = load_spark(privacy, source, spark=spark)
    assert spark.sparkContext.pythonExec == sys.executable
    (warning,) = [r.getMessage() for r in caplog.records]
    assert f"Python workers ran {other_python}, which cannot import" in warning
    assert f"they now run this kernel's Python, {sys.executable}" in warning
    # the load is whole: its erasure fingerprints were built, and Spark computes every masked column
    (loaded,) = [r for r in _records(privacy) if r.event == "dataset_loaded"]
    assert "error" not in loaded.payload["fingerprints"]
    rows = masked.toPandas()
    assert rows["email"].str.endswith("@masked.invalid").all() and len(rows) == 3


def test_workers_that_cannot_run_the_masking_are_one_clear_error(
    spark: Any,
    privacy: PrivacySession,
    source: Path,
    other_python: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "executable", other_python)  # the kernel's own Python cannot run it either
    with pytest.raises(LoadError) as err:
        load_spark(privacy, source, spark=spark)
    message = str(err.value)
    assert message.startswith("Spark's Python workers cannot run the masking (")
    assert "install jupyter_privacy[spark] in the Python the executors run, or set PYSPARK_PYTHON" in message
    assert "Traceback" not in message
    assert _records(privacy) == [] and privacy.datasets == {}
