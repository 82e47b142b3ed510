"""Erasure look-ups find people in Spark loads: fingerprints built by Spark from the tokens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from faker import Faker

from jupyter_privacy.kernel.session import PrivacySession
from jupyter_privacy.kernel.spark_load import load_spark
from jupyter_privacy.ledger import SqliteLedgerStore
from jupyter_privacy.records.erasure import erasure_lookup, parse_subject
from jupyter_privacy.records.fingerprints import FingerprintStore, fingerprint_path


def test_a_person_in_a_spark_load_is_found(spark: Any, privacy: PrivacySession, tmp_path: Path) -> None:
    Faker.seed(31)
    fake = Faker()
    raw = pd.DataFrame(
        {
            "email": [fake.unique.email() for _ in range(2000)],
            "full_name": [fake.name() for _ in range(2000)],
            "phone": [f"06-{61000000 + i * 37}" for i in range(2000)],
        }
    )
    path = tmp_path / "subscribers.parquet"
    raw.to_parquet(path, index=False)
    load_spark(privacy, path, spark=spark)
    ledger = privacy.policy.log.resolved_path()
    with SqliteLedgerStore(ledger, readonly=True) as store:
        (loaded,) = [r.payload for r in store.records(privacy.notebook) if r.event == "dataset_loaded"]
    fp = loaded["fingerprints"]
    assert {c["column"]: c["distinct"] for c in fp["columns"]}["email"] == 2000

    def lookup(subject: str) -> dict[str, Any]:
        with (
            SqliteLedgerStore(ledger, readonly=True) as store,
            FingerprintStore(fingerprint_path(ledger), readonly=True) as fps,
        ):
            return erasure_lookup(store, fps, privacy.key, [parse_subject(subject)])

    found = lookup(f"email={raw['email'][1234].upper()}")
    assert found["found"] and [Path(d["source"]).name for d in found["datasets"]] == ["subscribers.parquet"]
    assert not lookup("email=nobody.here@example.invalid")["found"]
    # normalised as the pandas path does: a national number found in its international form, a name by
    # case and spacing
    national = raw["phone"][77]
    assert lookup(f"phone=+31 6 {national[3:]}")["found"]
    assert lookup(f"name={'  '.join(raw['full_name'][5].upper().split())}")["found"]
    assert not lookup("phone=+31 6 99999999")["found"]


def test_spark_and_pandas_loads_record_the_same_fingerprints(
    spark: Any, privacy: PrivacySession, tmp_path: Path
) -> None:
    """One pass over several part files (so partitions share people): the same filter as pandas builds."""
    Faker.seed(32)
    fake = Faker()
    people = [(fake.email().upper(), fake.name(), f"06-{61000000 + i * 41}", fake.ssn()) for i in range(900)]
    rows = [people[(i * 7) % len(people)] for i in range(3000)]
    raw = pd.DataFrame(rows, columns=["email", "full_name", "phone", "ssn"])
    folder = tmp_path / "parts"
    folder.mkdir()
    for part in range(3):
        raw.iloc[part * 1000 : (part + 1) * 1000].to_parquet(folder / f"part-{part}.parquet", index=False)
    whole = tmp_path / "whole.parquet"
    raw.to_parquet(whole, index=False)
    spark.conf.set("spark.sql.files.maxPartitionBytes", "1024")  # one partition per part file
    try:
        assert spark.read.parquet(str(folder)).rdd.getNumPartitions() >= 3
        load_spark(privacy, folder, spark=spark)
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionBytes")
    privacy.load(whole)
    ledger = privacy.policy.log.resolved_path()
    with SqliteLedgerStore(ledger, readonly=True) as store:
        by_spark, by_pandas = [
            r.payload for r in store.records(privacy.notebook) if r.event == "dataset_loaded"
        ]
    assert by_spark["engine"] == "spark"
    assert "error" not in by_spark["fingerprints"]
    assert by_spark["fingerprints"]["columns"] == by_pandas["fingerprints"]["columns"]
    assert by_spark["fingerprints"]["sha256"] == by_pandas["fingerprints"]["sha256"]
