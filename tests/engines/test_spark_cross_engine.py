"""The same 100,000-row table masked by Spark and by pandas: identical tokens, and a join of a
Spark-masked table with a pandas-masked one matches the join on raw values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from faker import Faker

from jupyter_privacy.kernel.session import PrivacySession
from jupyter_privacy.kernel.spark_load import load_spark

ROWS = 100_000


def _tables(tmp_path: Path) -> tuple[Path, Path, pd.DataFrame, pd.DataFrame]:
    Faker.seed(21)
    fake = Faker()
    people = pd.DataFrame(
        {"email": [fake.unique.email() for _ in range(20_000)], "name": [fake.name() for _ in range(20_000)]}
    )
    rng = np.random.default_rng(21)
    pick = rng.integers(0, len(people), ROWS)
    events = pd.DataFrame(
        {
            "event_id": np.arange(ROWS),
            "email": people["email"].to_numpy()[pick],
            "full_name": people["name"].to_numpy()[pick],
            "amount": rng.uniform(0, 100, ROWS).round(2),
        }
    )
    # the pandas side: the CRM, some e-mails written differently (case, spaces) -- the same person
    crm = people.sample(5_000, random_state=1).rename(columns={"name": "contact_name"})
    crm["email"] = [
        e.upper() if i % 3 == 0 else f" {e} " if i % 3 == 1 else e for i, e in enumerate(crm["email"])
    ]
    crm["segment"] = rng.choice(["gold", "silver"], len(crm))
    events_path, crm_path = tmp_path / "events.parquet", tmp_path / "crm.csv"
    events.to_parquet(events_path, index=False)
    crm.to_csv(crm_path, index=False)
    return events_path, crm_path, events, crm


def test_spark_and_pandas_tokens_match_and_join(spark: Any, privacy: PrivacySession, tmp_path: Path) -> None:
    events_path, crm_path, events, crm = _tables(tmp_path)
    by_spark = load_spark(privacy, events_path, spark=spark).toPandas().sort_values("event_id")
    by_pandas = privacy.load(events_path)
    for column in ("email", "full_name"):
        assert by_spark[column].tolist() == by_pandas[column].tolist()
        assert not set(events[column]) & set(by_spark[column])

    masked_crm = privacy.load(crm_path)
    joined = spark.createDataFrame(masked_crm[["email", "segment"]]).join(
        load_spark(privacy, events_path, spark=spark), "email"
    )
    got = sorted((r["event_id"], r["segment"]) for r in joined.select("event_id", "segment").collect())
    crm_raw = crm.assign(email=crm["email"].str.strip().str.lower())
    raw = events.merge(crm_raw[["email", "segment"]], on="email")
    assert got == sorted(zip(raw["event_id"].tolist(), raw["segment"].tolist(), strict=True))
    assert len(got) > 10_000
