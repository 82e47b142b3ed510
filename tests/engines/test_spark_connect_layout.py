"""A Spark Connect frame laid out as the pandas path lays it out (nested columns flattened, a column
named by a person shown by its token), against a real Spark Connect server (tests/spark_connect.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from faker import Faker

from jupyter_privacy.kernel.session import PrivacySession
from jupyter_privacy.kernel.spark_load import load_spark
from jupyter_privacy.kernel.spark_unmask import unmask_spark

pytest.importorskip("grpc")

CONNECT_MODE = "SPARK_CONNECT_MODE_ENABLED"


@pytest.fixture(scope="module")
def connect(spark_connect_server: Any) -> Iterator[Any]:
    """A Connect client session, the process in Connect mode meanwhile (as in test_spark_connect.py)."""
    saved = os.environ.get(CONNECT_MODE)
    os.environ[CONNECT_MODE] = "1"
    session = spark_connect_server.session()
    yield session
    session.stop()
    if saved is None:
        os.environ.pop(CONNECT_MODE, None)
    else:
        os.environ[CONNECT_MODE] = saved


def test_nested_columns_and_a_personal_column_name_on_connect(
    connect: Any, privacy: PrivacySession, tmp_path: Path
) -> None:
    Faker.seed(41)
    fake = Faker()
    people = pd.DataFrame({"id": range(200), "email": [fake.unique.email() for _ in range(200)]})
    address = people["email"][7]
    folder = tmp_path / "nested"
    connect.createDataFrame(people).selectExpr(
        "id", "named_struct('email', email) AS contact", "array(email) AS aliases", f"id AS `{address}`"
    ).write.parquet(str(folder))
    masked = load_spark(privacy, folder, spark=connect)
    token = privacy.labels.label(address)
    assert masked.columns == ["id", "contact.email", "aliases", token]
    shown = masked.toPandas()
    assert not set(people["email"]) & set(shown["contact.email"])
    assert not [e for e in people["email"] if e in shown["aliases"].str.cat()]
    privacy.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    opened = unmask_spark(privacy, masked, ["contact.email"]).orderBy("id").toPandas()
    assert opened["contact.email"].tolist() == people["email"].tolist()
