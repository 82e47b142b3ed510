"""Spark writes and MLlib fits of governed Spark DataFrames are logged with their input datasets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from faker import Faker

from jupyter_privacy.kernel.errors import OutputError
from jupyter_privacy.kernel.lineage import Lineage
from jupyter_privacy.kernel.session import PrivacySession
from jupyter_privacy.kernel.spark_load import govern_spark_frame, load_spark
from jupyter_privacy.ledger import SqliteLedgerStore


@pytest.fixture
def lineage(privacy: PrivacySession, spark: Any) -> Iterator[Lineage]:
    tracker = Lineage(privacy)
    tracker.install()
    tracker.import_and_hook("import pyspark.ml")
    yield tracker
    tracker.uninstall()


def _people(tmp_path: Path, name: str, seed: int, n: int = 300) -> tuple[Path, pd.DataFrame]:
    Faker.seed(seed)
    fake = Faker()
    rng = np.random.default_rng(seed)
    emails = [fake.unique.email() for _ in range(n)]
    raw = pd.DataFrame(
        {"email": emails, "spend": rng.uniform(0, 100, n).round(2), "churned": rng.integers(0, 2, n)}
    )
    path = tmp_path / name
    raw.to_parquet(path, index=False)
    return path, raw


def _events(privacy: PrivacySession, event: str) -> list[Any]:
    store = SqliteLedgerStore(privacy.policy.log.resolved_path(), readonly=True)
    return [r for r in store.records(privacy.notebook) if r.event == event]


def test_writes_are_logged_with_their_datasets(
    spark: Any, privacy: PrivacySession, lineage: Lineage, tmp_path: Path
) -> None:
    customers_path, raw = _people(tmp_path, "customers.parquet", 1)
    orders_path, _ = _people(tmp_path, "orders.parquet", 1)
    customers = load_spark(privacy, customers_path, spark=spark)
    orders = load_spark(privacy, orders_path, spark=spark)
    ids = sorted(privacy.datasets)
    assert len(ids) == 2

    customers.write.parquet(str(tmp_path / "masked_customers"))
    joined = customers.join(orders.withColumnRenamed("spend", "order_spend").drop("churned"), "email")
    joined.write.mode("overwrite").csv(str(tmp_path / "joined"), header=True)
    # a raw read of a governed source is still lineage of that dataset
    spark.read.parquet(str(customers_path)).select("spend").write.json(str(tmp_path / "raw_spend"))
    spark.range(3).write.parquet(str(tmp_path / "unrelated"))
    customers.write.parquet((tmp_path / "by_uri").as_uri())  # a file-system URI, as s3a://... would be

    written = {Path(r.payload["path"]).name: r.payload for r in _events(privacy, "output_written")}
    assert set(written) == {"masked_customers", "joined", "raw_spend", "by_uri"}
    assert written["by_uri"]["path"] == (tmp_path / "by_uri").as_uri()  # not "table:file:..."
    assert written["masked_customers"]["datasets"] == [customers._jupyter_privacy_load.dataset_id]
    assert written["joined"]["datasets"] == ids
    assert written["raw_spend"]["datasets"] == [customers._jupyter_privacy_load.dataset_id]
    assert written["joined"]["via"] == "DataFrameWriter.csv" and written["joined"]["engine"] == "spark"
    assert len(written["masked_customers"]["sha256"]) == 64
    out = pd.read_parquet(tmp_path / "masked_customers")
    assert not set(raw["email"]) & set(out["email"])


def test_failed_write_is_one_clear_error_and_not_logged(
    spark: Any, privacy: PrivacySession, lineage: Lineage, tmp_path: Path
) -> None:
    path, raw = _people(tmp_path, "people.parquet", 5)
    masked = load_spark(privacy, path, spark=spark)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "part-0.parquet").write_bytes(b"an earlier output")
    with pytest.raises(OutputError) as caught:
        masked.write.parquet(str(tmp_path / "out"))  # mode "error": the folder exists
    message = str(caught.value)
    assert "nothing was logged" in message and "PATH_ALREADY_EXISTS" in message
    assert not any(email in message for email in raw["email"])
    assert _events(privacy, "output_written") == []


def test_mllib_fit_is_logged_with_datasets_and_variable(
    spark: Any, privacy: PrivacySession, lineage: Lineage, tmp_path: Path
) -> None:
    from pyspark.ml import Pipeline
    from pyspark.ml.classification import LogisticRegression
    from pyspark.ml.feature import VectorAssembler

    path, _raw = _people(tmp_path, "train.parquet", 3)
    train = load_spark(privacy, path, spark=spark)
    pipeline = Pipeline(
        stages=[
            VectorAssembler(inputCols=["spend"], outputCol="features"),
            LogisticRegression(labelCol="churned"),
        ]
    )
    churn_model = pipeline.fit(train)
    lineage.flush({"churn_model": churn_model, "train": train})
    (fit,) = _events(privacy, "model_trained")
    assert fit.payload["model_class"] == "pyspark.ml.pipeline.Pipeline"
    assert fit.payload["variable"] == "churn_model"
    assert fit.payload["datasets"] == [train._jupyter_privacy_load.dataset_id]
    assert fit.payload["columns"] == ["email", "spend", "churned"]


def test_writes_to_uris_are_logged_as_written_and_a_password_is_not_quoted(
    spark: Any, privacy: PrivacySession, lineage: Lineage, tmp_path: Path
) -> None:
    path, _raw = _people(tmp_path, "people.parquet", 6)
    masked = load_spark(privacy, path, spark=spark)
    target = f"file:{tmp_path / 'out'}"  # file:/tmp/... (one slash, as Hadoop writes its paths)
    masked.write.parquet(target)
    assert [r.payload["path"] for r in _events(privacy, "output_written")] == [target]
    with pytest.raises(OutputError) as caught:
        masked.write.parquet("s3a://AKIAEXAMPLE:wJalrXUtnFEMIsecret@bucket/out")
    assert "wJalrXUtnFEMIsecret" not in str(caught.value) and "AKIAEXAMPLE:***@bucket" in str(caught.value)


def test_a_wide_frame_is_traced_past_sparks_plan_string_limit(
    spark: Any, privacy: PrivacySession, lineage: Lineage, tmp_path: Path
) -> None:
    """Spark's plan strings list 25 fields of a node, then "... 16 more fields": the masked e-mail column
    of a 41-column frame must still be found, so a write derived from it names its dataset."""
    _path, raw = _people(tmp_path, "people.parquet", 3, n=50)
    wide = pd.concat([pd.DataFrame({f"f{i}": np.arange(50) for i in range(40)}), raw[["email"]]], axis=1)
    masked = govern_spark_frame(privacy, spark.createDataFrame(wide))
    dataset = masked._jupyter_privacy_load.dataset_id
    masked.filter("f0 >= 0").write.parquet(str(tmp_path / "derived"))
    (written,) = _events(privacy, "output_written")
    assert written.payload["datasets"] == [dataset]
    assert not set(raw["email"]) & set(pd.read_parquet(tmp_path / "derived")["email"])
