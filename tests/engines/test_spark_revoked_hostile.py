"""Hostile uses of a Spark frame whose grant was revoked, and of its temporary views, in a real session.

After the purpose ends, a frame derived from the unmask runs nothing more. Some DataFrame methods run the
frame while they make a new one, to name its columns after the values (``crosstab``, ``transpose``,
``groupBy(...).pivot(column)``): the new frame's column names were the raw addresses, read after the
purpose ended without any action on the frame."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from jupyter_privacy.kernel.errors import UnmaskDenied
from jupyter_privacy.kernel.lineage import Lineage
from jupyter_privacy.kernel.session import PrivacySession
from jupyter_privacy.kernel.spark_load import govern_spark_frame
from jupyter_privacy.kernel.spark_unmask import unmask_spark
from jupyter_privacy.ledger import SqliteLedgerStore

pytest.importorskip("pyspark")

ADDRESSES = ["ann.smith@example.org", "bob.jones@example.com"]


@pytest.fixture
def lineage(privacy: PrivacySession, spark: Any) -> Iterator[Lineage]:
    tracker = Lineage(privacy)
    tracker.install()
    yield tracker
    tracker.uninstall()


def _opened(spark: Any, privacy: PrivacySession) -> tuple[Any, Any]:
    """A governed frame and its unmask (e-mail addresses raw) under a declared purpose."""
    raw = pd.DataFrame({"email": ADDRESSES, "plan": ["basic", "pro"], "spend": [1.0, 2.0]})
    masked = govern_spark_frame(privacy, spark.createDataFrame(raw))
    privacy.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    return masked, unmask_spark(privacy, masked, ["email"])


def test_a_revoked_frame_names_no_columns_after_its_values(
    spark: Any, privacy: PrivacySession, lineage: Lineage
) -> None:
    """``crosstab``, ``transpose``, ``pivot`` without values (which collect the values naming the new
    columns) and ``mergeInto`` are refused once the grant is revoked; a pivot of the masked frame and
    one given its values (which runs nothing yet) are not."""
    from pyspark.sql import functions as F

    masked, opened = _opened(spark, privacy)
    assert set(ADDRESSES) <= set(opened.groupBy("plan").pivot("email").count().columns)
    privacy.end_purpose()
    for names_columns in (
        lambda: opened.groupBy("plan").pivot("email").count().columns,
        lambda: opened.select("email").groupBy().pivot("email").agg(F.count("*")).columns,
        lambda: opened.crosstab("plan", "email").columns,
        lambda: opened.stat.crosstab("plan", "email").columns,
        lambda: opened.select("email", "spend").transpose("email").columns,
        lambda: opened.mergeInto("anywhere", F.lit(True)).whenNotMatched().insertAll().merge(),
    ):
        with pytest.raises(UnmaskDenied, match="revoked") as refused:
            names_columns()
        assert not [a for a in ADDRESSES if a in str(refused.value)]
    pivoted = masked.groupBy("plan").pivot("email").count().columns
    assert len(pivoted) == 3 and not set(ADDRESSES) & set(pivoted)
    given = opened.groupBy("plan").pivot("email", ["x@example.org"]).count()  # runs nothing yet
    with pytest.raises(UnmaskDenied, match="revoked"):
        given.collect()


def test_views_in_a_new_session_and_views_named_oddly_are_dropped_and_refused(
    spark: Any, privacy: PrivacySession, lineage: Lineage, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A view of another session (``spark.newSession()``) keeping a global view's plan was not checked:
    after the purpose ended a SQL write from it wrote the raw addresses. A dropped view whose name holds
    a dot (an e-mail address) or a backtick was not recognised in Spark's error: the statement failed with
    Spark's own error quoting the address. Both are refused now, the address shown by its token."""
    _masked, opened = _opened(spark, privacy)
    suffix = tmp_path.name[-8:].replace("-", "_")
    opened.createOrReplaceGlobalTempView(f"raw_g_{suffix}")
    other = spark.newSession()
    other.table(f"global_temp.raw_g_{suffix}").createOrReplaceTempView("other_raw")
    opened.createOrReplaceTempView(f"`{ADDRESSES[0]}`")
    spark.sql(f"CREATE TEMP VIEW `odd``view.{suffix}` AS SELECT email FROM `{ADDRESSES[0]}`")
    grant = privacy.grants[0].id
    with caplog.at_level(logging.WARNING):
        privacy.end_purpose()
    said = " ".join(r.getMessage() for r in caplog.records if r.name.endswith("spark_views"))
    assert "other_raw" in said and f"odd`view.{suffix}" in said and ADDRESSES[0] not in said, said
    target = tmp_path / "written"
    for statement in (
        lambda: other.sql(f"INSERT OVERWRITE DIRECTORY '{target}' USING parquet SELECT email FROM other_raw"),
        lambda: spark.sql(
            f"INSERT OVERWRITE DIRECTORY '{target}' USING parquet SELECT * FROM `{ADDRESSES[0]}`"
        ),
        lambda: spark.sql(f"SELECT * FROM `odd``view.{suffix}`").collect(),
        lambda: spark.read.table(f"`{ADDRESSES[0]}`").collect(),
    ):
        with pytest.raises(UnmaskDenied, match=f"{grant} was revoked") as refused:
            statement()
        assert ADDRESSES[0] not in str(refused.value), refused.value
    assert not target.exists()
    assert not [t for t in other.catalog.listTables() if t.isTemporary]


def test_session_variables_set_from_a_raw_view_are_dropped_at_the_revocation(
    spark: Any, privacy: PrivacySession, lineage: Lineage, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """``SET VAR who = (SELECT ... FROM raw_view)`` kept a raw address in the session: after the purpose
    ended ``SELECT who`` showed it and a SQL write put it on disk. Such variables are dropped now (a
    warning names them), also one a SQL script set; one set again from a literal before the end, one set
    from masked data, and a script's own variable (gone with the script) are kept."""
    masked, opened = _opened(spark, privacy)
    suffix = tmp_path.name[-8:].replace("-", "_")
    opened.createOrReplaceTempView(f"var_raw_{suffix}")
    masked.createOrReplaceTempView(f"var_masked_{suffix}")
    names = [f"{n}_{suffix}" for n in ("who", "pair", "into", "again", "masked", "script", "local")]
    for name in names:
        spark.sql(f"DECLARE OR REPLACE VARIABLE {name} STRING")
    who, pair, into, again, masked_var, script, local = names
    spark.sql(f"SET VAR {who} = (SELECT max(email) FROM var_raw_{suffix})")
    spark.sql(f"SET VAR ({pair}, {again}) = (SELECT min(email), max(email) FROM var_raw_{suffix})")
    spark.sql(f"EXECUTE IMMEDIATE 'SELECT min(email) FROM var_raw_{suffix}' INTO {into}")
    spark.sql(f"SET VAR {again} = 'kept'")
    spark.sql(f"SET VAR {masked_var} = (SELECT max(email) FROM var_masked_{suffix})")
    spark.sql(f"SET VAR {local} = 'kept'")  # a session variable a script's own variable of its name hides
    spark.sql(
        f"""BEGIN
          DECLARE {local} STRING;
          SET {local} = (SELECT max(email) FROM var_raw_{suffix});
          SET system.session.{script} = (SELECT max(email) FROM var_raw_{suffix});
        END"""
    )
    with caplog.at_level(logging.WARNING):
        privacy.end_purpose()
    said = " ".join(r.getMessage() for r in caplog.records if r.name.endswith("spark_views"))
    assert all(n in said for n in (who, pair, into, script)), said
    store = SqliteLedgerStore(privacy.policy.log.resolved_path(), readonly=True)
    (revoked,) = [r.payload for r in store.records(privacy.notebook) if r.event == "grants_revoked"]
    assert revoked["session_variables_dropped"] == 4 and revoked["temporary_views_dropped"] == 1, revoked
    assert again not in said and masked_var not in said and local not in said, said
    for name in (who, pair, into, script):
        with pytest.raises(Exception, match="UNRESOLVED") as unresolved:
            spark.sql(f"INSERT OVERWRITE DIRECTORY '{tmp_path / name}' USING parquet SELECT {name} AS v")
        assert not [a for a in ADDRESSES if a in str(unresolved.value)]
        assert not (tmp_path / name).exists()
    assert spark.sql(f"SELECT {again} AS v").collect()[0].v == "kept"
    assert spark.sql(f"SELECT {local} AS v").collect()[0].v == "kept"
    assert spark.sql(f"SELECT {masked_var} AS v").collect()[0].v not in ADDRESSES
