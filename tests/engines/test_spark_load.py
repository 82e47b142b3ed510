"""Governed Spark loads against a real local SparkSession: masked like pandas, logged, key kept out."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from faker import Faker

from jupyter_privacy.kernel.errors import LoadError
from jupyter_privacy.kernel.session import PrivacySession
from jupyter_privacy.kernel.spark_load import govern_spark_frame, load_spark
from jupyter_privacy.kernel.spark_marks import spark_datasets_of
from jupyter_privacy.ledger import SqliteLedgerStore


def _people(n: int, seed: int) -> pd.DataFrame:
    Faker.seed(seed)
    fake = Faker()
    people = [(fake.email(), fake.name(), fake.phone_number()) for _ in range(max(n // 4, 1))]
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(people), n)
    return pd.DataFrame(
        {
            "customer_id": np.arange(n),
            "email": [people[i][0] for i in pick],
            "full_name": [people[i][1] for i in pick],
            "phone": [people[i][2] for i in pick],
            "monthly_spend": np.round(rng.uniform(0, 500, n), 2),
        }
    )


def _records(privacy: PrivacySession) -> list[Any]:
    store = SqliteLedgerStore(privacy.policy.log.resolved_path(), readonly=True)
    return list(store.records(privacy.notebook))


@pytest.fixture(scope="module")
def customers(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    raw = _people(3000, 7)
    path = tmp_path_factory.mktemp("spark-data") / "customers.parquet"
    raw.to_parquet(path, index=False)
    return path, raw


def test_spark_load_is_masked_like_pandas_and_logged(
    spark: Any, privacy: PrivacySession, customers: tuple[Path, pd.DataFrame]
) -> None:
    path, raw = customers
    masked = load_spark(privacy, path, spark=spark, variable="customers").toPandas()
    by_pandas = privacy.load(path)
    for column in ("email", "full_name", "phone"):
        assert not set(raw[column]) & set(masked[column])
        assert masked[column].tolist() == by_pandas[column].tolist()
    assert masked["email"].str.endswith("@masked.invalid").all()
    assert masked["monthly_spend"].tolist() == raw["monthly_spend"].tolist()
    assert masked["customer_id"].tolist() == raw["customer_id"].tolist()

    loads = [r for r in _records(privacy) if r.event == "dataset_loaded"]
    spark_load, pandas_load = loads
    assert spark_load.payload["engine"] == "spark"
    assert spark_load.payload["shape"] == [3000, 5]
    assert spark_load.payload["variable"] == "customers"
    flagged = {f["name"]: f["category"] for f in spark_load.payload["findings"] if f["category"] != "none"}
    assert flagged == {
        f["name"]: f["category"] for f in pandas_load.payload["findings"] if f["category"] != "none"
    }
    assert {c["column"] for c in spark_load.payload["masking"]["columns"]} >= {"email", "full_name", "phone"}
    assert "sampled_rows" in spark_load.payload and spark_load.payload["sampled_rows"] == 1000


def _secrets(text: str) -> list[str]:
    """The key and its HMAC pads, as text, hex and base64: none may appear in a plan or a log."""
    key = text.encode()
    block = key.ljust(64, b"\0")
    pads = [bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)]
    found = [text]
    for raw in [key, *pads]:
        found += [raw.hex(), base64.b64encode(raw).decode(), raw.hex().upper()]
    return found


def test_plan_is_vectorised_and_never_shows_the_key(
    spark: Any, privacy: PrivacySession, customers: tuple[Path, pd.DataFrame], event_log: Path
) -> None:
    path, _raw = customers
    masked = load_spark(privacy, path, spark=spark)
    plan = masked._jdf.queryExecution().toString()  # parsed, analysed, optimised and physical plans
    assert "jp_mask_ds-" in plan  # the string columns' tokens are computed in the JVM (with the key)
    assert "BatchEvalPython" not in plan
    masked.write.mode("overwrite").parquet(str(path.parent / "masked-out"))
    logs = "".join(p.read_text("utf-8", errors="replace") for p in event_log.rglob("*") if p.is_file())
    assert "SparkListenerSQLExecutionStart" in logs  # the event log holds the plans
    ledger = json.dumps([r.payload for r in _records(privacy)])
    for secret in _secrets(privacy.key.secret):
        assert secret not in plan
        assert secret not in logs
        assert secret not in ledger


def test_missing_path_is_one_clear_error_and_nothing_is_logged(
    spark: Any, privacy: PrivacySession, tmp_path: Path
) -> None:
    privacy.start()
    with pytest.raises(LoadError, match="no such file or folder"):
        load_spark(privacy, tmp_path / "nowhere.parquet", spark=spark)
    assert [r.event for r in _records(privacy) if r.event != "session_start"] == []


def test_schema_mismatch_is_one_clear_error_without_values(
    spark: Any, privacy: PrivacySession, tmp_path: Path
) -> None:
    folder = tmp_path / "parts"
    folder.mkdir()
    pd.DataFrame({"email": ["alice.secret@example.org"], "age": ["forty-two"]}).to_parquet(
        folder / "a.parquet"
    )
    pd.DataFrame({"email": ["bob@example.org"], "age": [42]}).to_parquet(folder / "b.parquet")
    schema = "email STRING, age BIGINT"
    frame = spark.read.schema(schema).parquet(str(folder))
    privacy.start()
    with pytest.raises(LoadError) as caught:
        govern_spark_frame(privacy, frame, source=str(folder))
    message = str(caught.value)
    assert "schema" in message and str(folder) in message
    assert "alice" not in message and "forty-two" not in message
    assert [r.event for r in _records(privacy) if r.event != "session_start"] == []


def test_duplicate_column_names_are_one_clear_error(spark: Any, privacy: PrivacySession) -> None:
    """A join on an expression keeps both sides' columns under one name: refused with the names (no
    values, no Spark analysis error), nothing logged. Spark compares names case-insensitively."""
    rows = [(1, "alice.secret@example.org"), (2, "bob@example.org")]
    left = spark.createDataFrame(rows, "id int, email string")
    right = spark.createDataFrame(rows, "ID int, mail string")
    privacy.start()
    with pytest.raises(LoadError, match="more than one column named 'ID'") as caught:
        govern_spark_frame(privacy, left.join(right, left.id == right.ID), source="joined")
    assert "alice" not in str(caught.value)
    assert [r.event for r in _records(privacy) if r.event != "session_start"] == []


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_csv_and_json_sources(spark: Any, privacy: PrivacySession, tmp_path: Path, fmt: str) -> None:
    raw = _people(400, 3)
    path = tmp_path / f"people.{fmt}"
    if fmt == "csv":
        raw.to_csv(path, index=False)
    else:
        raw.to_json(path, orient="records", lines=True)
    masked = load_spark(privacy, path, spark=spark).toPandas()
    assert masked["email"].str.endswith("@masked.invalid").all()
    assert not set(raw["full_name"]) & set(masked["full_name"])


def test_existing_table_is_governed_and_derived_frames_name_it(
    spark: Any, privacy: PrivacySession, customers: tuple[Path, pd.DataFrame]
) -> None:
    path, raw = customers
    spark.read.parquet(str(path)).createOrReplaceTempView("crm_customers")
    masked = govern_spark_frame(privacy, spark.table("crm_customers"), source="table:crm_customers")
    ids = spark_datasets_of(masked)
    assert len(ids) == 1 and ids[0] in privacy.datasets
    derived = masked.groupBy("email").count().join(masked.select("email", "full_name"), "email")
    assert spark_datasets_of(derived) == ids
    assert not set(raw["email"]) & {r["email"] for r in derived.select("email").collect()}


def test_part_files_that_disagree_fail_the_load_clearly(
    spark: Any, privacy: PrivacySession, tmp_path: Path
) -> None:
    folder = tmp_path / "parts"
    folder.mkdir()
    pd.DataFrame({"email": ["ann@example.org"] * 1500, "age": range(1500)}).to_parquet(folder / "a.parquet")
    pd.DataFrame({"email": ["carl.secret@example.org"], "age": ["forty-two"]}).to_parquet(
        folder / "b.parquet"
    )
    privacy.start()
    with pytest.raises(LoadError) as caught:
        load_spark(privacy, folder, spark=spark)
    message = str(caught.value)
    assert "does not match its schema" in message and "PARQUET_COLUMN_DATA_TYPE_MISMATCH" in message
    assert "carl" not in message and "forty-two" not in message
    assert [r.event for r in _records(privacy) if r.event != "session_start"] == []
