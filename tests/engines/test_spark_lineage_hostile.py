"""Hostile and odd inputs to Spark lineage: outputs named by a person, forged plan marks, writers the
lineage must not miss, database URLs that carry credentials."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from jupyter_privacy.kernel.lineage import Lineage
from jupyter_privacy.kernel.session import PrivacySession
from jupyter_privacy.kernel.spark_load import govern_spark_frame
from jupyter_privacy.ledger import SqliteLedgerStore


@pytest.fixture
def lineage(privacy: PrivacySession, spark: Any) -> Iterator[Lineage]:
    tracker = Lineage(privacy)
    tracker.install()
    yield tracker
    tracker.uninstall()


def _written(privacy: PrivacySession) -> list[dict[str, Any]]:
    store = SqliteLedgerStore(privacy.policy.log.resolved_path(), readonly=True)
    return [r.payload for r in store.records(privacy.notebook) if r.event == "output_written"]


def _governed(spark: Any, privacy: PrivacySession) -> Any:
    raw = pd.DataFrame({"email": ["ann.smith@example.org", "bob.jones@example.com"], "spend": [1.0, 2.0]})
    return govern_spark_frame(privacy, spark.createDataFrame(raw))


def test_an_xml_write_is_logged(
    spark: Any, privacy: PrivacySession, lineage: Lineage, tmp_path: Path
) -> None:
    masked = _governed(spark, privacy)
    masked.write.xml(str(tmp_path / "people_xml"), rowTag="person")
    assert [Path(w["path"]).name for w in _written(privacy)] == ["people_xml"]


def test_outputs_named_by_a_person_are_tokenised_in_the_log_and_in_errors(
    spark: Any, privacy: PrivacySession, lineage: Lineage, tmp_path: Path
) -> None:
    """A folder named by an e-mail address is logged as its token (as a pandas output is); a failed
    write to a table so named says why without quoting the address (it did, raw)."""
    from jupyter_privacy.kernel.errors import OutputError

    masked = _governed(spark, privacy)
    masked.write.parquet(str(tmp_path / "ann.smith@example.org"))
    with pytest.raises(OutputError) as caught:
        masked.write.saveAsTable("`ann.smith@example.org`")  # not a valid table name for Spark
    assert "nothing was logged" in str(caught.value)
    assert "ann.smith" not in str(caught.value) and "EMAIL_" in str(caught.value)
    written = _written(privacy)
    assert len(written) == 1 and written[0]["path"].startswith(str(tmp_path))
    assert "ann.smith" not in str(written)


def test_a_literal_or_column_cannot_forge_a_mark(
    spark: Any, privacy: PrivacySession, lineage: Lineage, tmp_path: Path
) -> None:
    from pyspark.sql import functions as F

    masked = _governed(spark, privacy)
    dataset = next(iter(privacy.datasets))
    hexid = dataset[len("ds-") :]
    quoted = f"SubqueryAlias jp_ds_{hexid} jp_mask_{dataset}(x)"
    forged = spark.range(2).select(
        F.lit(quoted).alias(f"jp_mask_{dataset}"),
        F.lit(f"a\n+- {quoted}\n").alias(f"b\n+- SubqueryAlias jp_ds_{hexid}\n"),
    )
    forged.createOrReplaceTempView("forged_view")
    forged.write.parquet(str(tmp_path / "forged"))
    spark.sql(f"CREATE TABLE forged_table USING parquet AS SELECT *, '{quoted}' AS c FROM forged_view")
    forged.toPandas().to_csv(tmp_path / "forged.csv")
    lineage.flush({})
    assert _written(privacy) == []
    masked.write.parquet(str(tmp_path / "real"))
    assert [w["datasets"] for w in _written(privacy)] == [[dataset]]
