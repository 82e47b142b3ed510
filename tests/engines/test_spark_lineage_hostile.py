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
    assert "nothing was logged" in str(caught.value) and "not a table name Spark accepts" in str(caught.value)
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


def test_database_targets_never_name_a_user_or_password(
    spark: Any, privacy: PrivacySession, lineage: Lineage, tmp_path: Path
) -> None:
    """JDBC URLs carry credentials in many dialects: none reaches the error of a failed write or the log
    (MySQL's address form, DB2's ``db:user=...;``, a password with a semicolon were quoted)."""
    from jupyter_privacy.kernel.errors import OutputError
    from jupyter_privacy.kernel.spark_targets import jdbc_name

    masked = _governed(spark, privacy)
    url = "jdbc:mysql://address=(host=db.internal)(user=ann.smith)(password=Hunter2)/crm"
    with pytest.raises(OutputError) as caught:  # no MySQL driver here: the write fails
        masked.write.format("jdbc").options(url=url, dbtable="people").save()
    assert "Hunter2" not in str(caught.value) and "ann.smith" not in str(caught.value)
    assert "jdbc:mysql#people" in str(caught.value) and _written(privacy) == []
    named = {
        "jdbc:db2://db:50000/crm:user=ann.smith;password=Hunter2;": "jdbc:db2://db:50000/crm#t",
        "jdbc:mysql://ann.smith:Hun;ter2@db/crm": "jdbc:mysql#t",
        "jdbc:postgresql://ann.smith:Hun?ter2@db/crm": "jdbc:postgresql#t",
        "jdbc:postgresql://db/crm#Hunter2": "jdbc:postgresql://db/crm#t",
        "jdbc:postgresql://ann.smith:Hunter2@db/crm?password=Hunter2": "jdbc:postgresql://db/crm#t",
        "jdbc:sqlserver://db;user=ann.smith;password=Hunter2": "jdbc:sqlserver://db#t",
        "jdbc:mysql://db/crm?user=ann.smith&password=Hunter2": "jdbc:mysql://db/crm#t",
        "jdbc:oracle:thin:ann.smith/Hunter2@db:1521:orcl": "jdbc:oracle#t",
        "jdbc:mysql://[::1]:3306,db2:3307/crm": "jdbc:mysql://[::1]:3306,db2:3307/crm#t",
    }
    assert {url: jdbc_name(url, "t") for url in named} == named


def test_a_write_run_by_execute_immediate_is_logged(
    spark: Any, privacy: PrivacySession, lineage: Lineage, tmp_path: Path
) -> None:
    """``spark.sql("EXECUTE IMMEDIATE 'CREATE TABLE ... AS SELECT ...'")`` runs the write as ``spark.sql``
    of the inner statement does; its plan is the command's result over the command (it went unlogged)."""
    masked = _governed(spark, privacy)
    masked.createOrReplaceTempView("governed_people")
    table = "immediate_" + tmp_path.name[-8:].replace("-", "_")
    spark.sql(f"EXECUTE IMMEDIATE 'CREATE TABLE {table} USING parquet AS SELECT * FROM governed_people'")
    assert spark.table(table).count() == 2
    written = _written(privacy)
    assert [(w["path"], w["datasets"], w["columns"]) for w in written] == [
        (f"table:spark_catalog.default.{table}", sorted(privacy.datasets), ["email", "spend"])
    ]
    assert written[0]["via"] == "SparkSession.sql (CreateDataSourceTableAsSelectCommand)"


def test_sql_writes_to_local_folders_are_logged_as_their_folders(
    spark: Any, privacy: PrivacySession, lineage: Lineage, tmp_path: Path
) -> None:
    """``INSERT INTO`` a file-backed view, and ``INSERT OVERWRITE DIRECTORY`` to a folder named by an
    e-mail address: the folder as ``df.write`` logs it, with its content hash (it was Spark's ``file:``
    URI, without one), the address as its token."""
    masked = _governed(spark, privacy)
    masked.createOrReplaceTempView("gv")
    masked.write.parquet(str(tmp_path / "pv"))
    spark.sql(f"CREATE TEMPORARY VIEW pv USING parquet OPTIONS (path '{tmp_path / 'pv'}')")
    spark.sql("INSERT INTO pv SELECT * FROM gv")
    spark.sql(
        f"INSERT OVERWRITE DIRECTORY '{tmp_path / 'ann.smith@example.org'}' USING parquet SELECT * FROM gv"
    )
    written = _written(privacy)
    assert [w["path"] for w in written[:2]] == [str(tmp_path / "pv")] * 2
    assert written[2]["path"].startswith(str(tmp_path / "EMAIL_")) and "ann.smith" not in str(written)
    assert all(len(w["sha256"]) == 64 for w in written)
    assert written[1]["sha256"] != written[0]["sha256"]  # the folder has the inserted rows too


def test_a_column_or_database_table_named_by_a_person_is_logged_as_its_token(
    spark: Any, privacy: PrivacySession, lineage: Lineage, tmp_path: Path
) -> None:
    from jupyter_privacy.kernel.errors import OutputError

    masked = _governed(spark, privacy).withColumnRenamed("spend", "ann.smith@example.org")
    masked.write.parquet(str(tmp_path / "renamed"))
    masked.createOrReplaceTempView("renamed_view")
    spark.sql(f"INSERT OVERWRITE DIRECTORY '{tmp_path / 'by_sql'}' USING parquet SELECT * FROM renamed_view")
    url = f"jdbc:derby:memory:jp{tmp_path.name};create=true"
    with pytest.raises(OutputError) as caught:  # not a table name Derby accepts
        masked.select("email").write.jdbc(url, "ann.smith@example.org", properties={"driver": _DERBY})
    assert "jdbc:derby#EMAIL_" in str(caught.value) and "ann.smith" not in str(caught.value)
    written = _written(privacy)
    assert len(written) == 2 and "ann.smith" not in str(written)
    assert all(w["columns"][1].startswith("EMAIL_") for w in written)


_DERBY = "org.apache.derby.iapi.jdbc.AutoloadedDriver"


def test_a_cached_frame_and_a_subquery_are_traced_through_the_plan_walk(
    spark: Any, privacy: PrivacySession, lineage: Lineage, tmp_path: Path
) -> None:
    """The marks are checked on the plan's nodes: a cached frame (its plan holds Spark's cached plan) and
    a governed frame read only in a subquery are still traced."""
    masked = _governed(spark, privacy)
    masked.cache()
    assert masked.count() == 2
    masked.filter("spend > 1").write.parquet(str(tmp_path / "cached"))
    masked.createOrReplaceTempView("governed_sub")
    spark.range(3).filter("id IN (SELECT CAST(spend AS BIGINT) FROM governed_sub)").write.parquet(
        str(tmp_path / "sub")
    )
    masked.unpersist()
    written = _written(privacy)
    assert [(Path(w["path"]).name, w["datasets"]) for w in written] == [
        ("cached", sorted(privacy.datasets)),
        ("sub", sorted(privacy.datasets)),
    ]


def test_a_grant_mark_is_read_off_the_plan_and_cannot_be_forged(spark: Any) -> None:
    from pyspark.sql import functions as F

    from jupyter_privacy.kernel.spark_marks import mark_grant, spark_grants_of

    frame = spark.createDataFrame(pd.DataFrame({"email": ["ann.smith@example.org"], "plan": ["basic"]}))
    raw = mark_grant(frame, "g-0123456789ab")
    derived = raw.alias("a").join(frame.alias("b"), "plan").groupBy("plan").count()
    assert spark_grants_of(raw) == spark_grants_of(derived) == ["g-0123456789ab"]
    assert spark_grants_of(frame) == []
    forged = frame.select(
        F.lit("SubqueryAlias jp_raw_0123456789ab").alias("SubqueryAlias jp_raw_ba9876543210")
    )
    assert spark_grants_of(forged) == []
    with pytest.raises(ValueError):
        mark_grant(frame, "g-0123; DROP")


def test_a_granted_column_under_another_name_is_shown_whatever_the_name(spark: Any) -> None:
    """By attribute id, not by name: a granted column renamed to a name the table has, or merged into
    one by a union, may show raw values; the other columns passed through as they were do not."""
    from pyspark.sql import functions as F

    from jupyter_privacy.kernel.spark_marks import grants_shown, mark_grant

    frame = spark.createDataFrame(
        pd.DataFrame({"email": ["ann.smith@example.org"], "plan": ["basic"], "no#te 1": ["x"]})
    )
    raw = mark_grant(frame, "g-0123456789ab")
    granted = {"g-0123456789ab": ["email"]}
    shown = {
        "renamed": raw.select(F.col("email").alias("plan")),
        "expr": raw.selectExpr("upper(email) as plan"),
        "replaced": raw.withColumn("plan", F.col("email")).drop("email"),
        "union": raw.select("plan").union(raw.select(F.col("email").alias("plan"))),
        "by_name": raw.select("plan").unionByName(raw.select(F.col("email").alias("plan"))),
        "granted": raw.filter("plan = 'basic'").select("email"),
        "count": raw.groupBy("plan").count(),
        "hash_name": raw.select(F.col("email").alias("no#te 1")),
    }
    for name, sdf in shown.items():
        assert grants_shown(sdf, granted) == {"g-0123456789ab"}, name
    kept = {
        "passed": raw.select("plan", "`no#te 1`"),
        "filtered": raw.filter(F.col("email").contains("@")).select(F.col("plan")).distinct(),
        "grouped": raw.groupBy("plan").agg(F.first("plan").alias("ignored")).select("plan"),
        "self_join": raw.select("plan").join(raw.select("plan"), "plan"),
        "other_grant": raw,
    }
    for name, sdf in kept.items():
        assert (
            grants_shown(sdf, {"g-ba9876543210": ["email"]} if name == "other_grant" else granted) == set()
        ), name


def test_a_whole_grant_mark_shows_every_column(spark: Any) -> None:
    """A frame whose columns the plan cannot tell apart (a checkpoint, rows rebuilt) is marked whole:
    any of its columns may show the grant's values."""
    from jupyter_privacy.kernel.spark_marks import grants_shown, mark_grant, spark_grants_of

    frame = spark.createDataFrame(pd.DataFrame({"email": ["ann.smith@example.org"], "plan": ["basic"]}))
    rebuilt = mark_grant(frame, "g-0123456789ab", whole=True)
    assert spark_grants_of(rebuilt.select("plan")) == ["g-0123456789ab"]
    assert grants_shown(rebuilt.select("plan"), {"g-0123456789ab": ["email"]}) == {"g-0123456789ab"}
    assert grants_shown(frame.select("plan"), {"g-0123456789ab": ["email"]}) == set()


def test_writes_inside_a_sql_script_are_logged_and_only_those_that_ran(
    spark: Any, privacy: PrivacySession, lineage: Lineage, tmp_path: Path
) -> None:
    """Spark 4 runs SQL scripts (``BEGIN ... END``) by default: ``spark.sql`` returns the last statement's
    result, so the writes inside went unlogged. Each write the script ran is logged once, with the
    dataset and target, not the SQL; one in a branch not taken is not; when a later statement fails, the
    writes before it (which happened) are logged and the error is Spark's."""
    masked = _governed(spark, privacy)
    masked.createOrReplaceTempView("script_people")
    table = "script_" + tmp_path.name[-8:].replace("-", "_")
    secret = "@".join(("someone", "example.org"))
    spark.sql(
        f"""-- a script
        BEGIN
          CREATE TABLE {table} USING parquet AS SELECT * FROM script_people;
          IF (SELECT count(*) FROM script_people) > 100 THEN
            INSERT OVERWRITE DIRECTORY '{tmp_path / "never"}' USING parquet SELECT * FROM script_people;
          END IF;
          INSERT OVERWRITE DIRECTORY '{tmp_path / "dir"}' USING parquet
            SELECT email FROM script_people WHERE email <> '{secret}';
          CREATE TABLE {table}_plain USING parquet AS SELECT id FROM range(3);
          counted: BEGIN
            SELECT count(*) FROM {table};
          END counted;
        END"""
    )
    with pytest.raises(Exception, match="TABLE_OR_VIEW_NOT_FOUND"):
        spark.sql(
            f"BEGIN INSERT INTO {table} SELECT * FROM script_people; INSERT INTO {table} SELECT * FROM nowhere; END"
        )
    try:
        ids = sorted(privacy.datasets)
        written = _written(privacy)
        assert [(w["path"], w["datasets"], w["via"]) for w in written] == [
            (
                f"table:spark_catalog.default.{table}",
                ids,
                "SparkSession.sql script (CreateDataSourceTableAsSelectCommand)",
            ),
            (str(tmp_path / "dir"), ids, "SparkSession.sql script (InsertIntoDataSourceDirCommand)"),
            (
                f"table:spark_catalog.default.{table}",
                ids,
                "SparkSession.sql script (InsertIntoHadoopFsRelationCommand)",
            ),
        ]
        assert written[1]["columns"] == ["email"] and len(written[1]["sha256"]) == 64
        assert not (tmp_path / "never").exists() and spark.table(table).count() == 4
        assert secret not in str(written)
    finally:
        for name in (table, f"{table}_plain"):
            spark.sql(f"DROP TABLE IF EXISTS {name}")


def test_writes_to_a_datasource_v2_table_in_sql_and_in_a_script_are_logged_by_table(
    spark: Any, privacy: PrivacySession, lineage: Lineage, tmp_path: Path
) -> None:
    """A DataSource V2 catalog's table (Spark's JDBC catalog over an in-memory Derby database): Spark
    reports a script's ``INSERT INTO`` by its verb ("append", not "command"), so the script's writes went
    unlogged; and a plain ``INSERT INTO`` was logged as table ``Some(app.t)``. Both are logged now, by
    the table's catalog and name, once each (not the write a V2 CTAS runs inside)."""
    catalog = "jp_v2_" + tmp_path.name[-8:].replace("-", "_")
    spark._jvm.java.lang.System.setProperty("derby.stream.error.file", str(tmp_path / "derby.log"))
    spark.conf.set(
        f"spark.sql.catalog.{catalog}", "org.apache.spark.sql.execution.datasources.v2.jdbc.JDBCTableCatalog"
    )
    spark.conf.set(f"spark.sql.catalog.{catalog}.url", f"jdbc:derby:memory:{catalog};create=true")
    spark.conf.set(f"spark.sql.catalog.{catalog}.driver", "org.apache.derby.jdbc.EmbeddedDriver")
    _governed(spark, privacy).createOrReplaceTempView("v2_people")
    table = f"{catalog}.app.people"
    spark.sql(f"CREATE TABLE {table} (email STRING, spend DOUBLE)")
    spark.sql(f"INSERT INTO {table} SELECT email, spend FROM v2_people")
    spark.sql(
        f"""BEGIN
          INSERT INTO {table} SELECT email, spend FROM v2_people;
          INSERT OVERWRITE {table} SELECT email, spend FROM v2_people;
          CREATE TABLE {table}_copy AS SELECT email FROM v2_people;
        END"""
    )
    ids = sorted(privacy.datasets)
    assert [(w["path"], w["datasets"], w["via"]) for w in _written(privacy)] == [
        (f"table:{table}", ids, "SparkSession.sql (AppendData)"),
        (f"table:{table}", ids, "SparkSession.sql script (AppendData)"),
        (f"table:{table}", ids, "SparkSession.sql script (OverwriteByExpression)"),
        (f"table:{table}_copy", ids, "SparkSession.sql script (CreateTableAsSelect)"),
    ]
    assert spark.table(table).count() == 2


def test_writes_of_another_thread_while_a_sql_script_runs_are_logged_once(
    spark: Any, privacy: PrivacySession, lineage: Lineage, tmp_path: Path
) -> None:
    """The script's listener heard every command of the session: a write another thread made while a
    script ran (``spark.sql("INSERT ...")``, ``df.write``) was logged twice, once as the script's. A
    statement of another thread now waits for the script (and a script for the statements running), and
    only the script's own commands (parsed from SQL text) are taken as its writes."""
    import threading

    masked = _governed(spark, privacy)
    masked.createOrReplaceTempView("thread_people")
    table = "thread_" + tmp_path.name[-8:].replace("-", "_")
    spark.sql(f"CREATE TABLE {table} USING parquet AS SELECT * FROM thread_people")

    def other() -> None:
        for _ in range(3):
            spark.sql(f"INSERT INTO {table} SELECT * FROM thread_people")
            masked.write.mode("append").parquet(str(tmp_path / "other"))

    worker = threading.Thread(target=other)
    worker.start()
    try:
        spark.sql(
            f"""BEGIN
              DECLARE i INT DEFAULT 0;
              WHILE i < 30 DO SET i = i + 1; SELECT count(*) FROM thread_people; END WHILE;
              INSERT OVERWRITE DIRECTORY '{tmp_path / "script"}' USING parquet SELECT email FROM thread_people;
            END"""
        )
    finally:
        worker.join()
        written = [(w["path"], w["via"]) for w in _written(privacy)]
        spark.sql(f"DROP TABLE IF EXISTS {table}")
    assert sorted(set(written)) == sorted(
        [
            (
                f"table:spark_catalog.default.{table}",
                "SparkSession.sql (CreateDataSourceTableAsSelectCommand)",
            ),
            (f"table:spark_catalog.default.{table}", "SparkSession.sql (InsertIntoHadoopFsRelationCommand)"),
            (str(tmp_path / "other"), "DataFrameWriter.parquet"),
            (str(tmp_path / "script"), "SparkSession.sql script (InsertIntoDataSourceDirCommand)"),
        ]
    ), written
    assert len(written) == 8, written


def test_a_script_spark_runs_inside_a_failing_execute_immediate_is_logged(
    spark: Any, privacy: PrivacySession, lineage: Lineage, tmp_path: Path
) -> None:
    """Spark 4.3 runs a script handed to ``EXECUTE IMMEDIATE``, then fails with
    ``SQL_SCRIPT_IN_EXECUTE_IMMEDIATE``: the table was written and nothing was logged. The writes it
    made are logged before the error is raised; a successful ``EXECUTE IMMEDIATE`` is logged once."""
    _governed(spark, privacy).createOrReplaceTempView("immediate_people")
    table = "immediate_" + tmp_path.name[-8:].replace("-", "_")
    try:
        with pytest.raises(Exception, match="SQL_SCRIPT_IN_EXECUTE_IMMEDIATE"):
            spark.sql(
                f"EXECUTE IMMEDIATE 'BEGIN CREATE TABLE {table} USING parquet AS SELECT * FROM immediate_people; END'"
            )
        ran = spark.catalog.tableExists(table)
        spark.sql(
            f"EXECUTE IMMEDIATE 'CREATE TABLE {table}_ok USING parquet AS SELECT * FROM immediate_people'"
        )
        written = [(w["path"], w["via"]) for w in _written(privacy)]
    finally:
        for name in (table, f"{table}_ok"):
            spark.sql(f"DROP TABLE IF EXISTS {name}")
    script = (
        [
            (
                f"table:spark_catalog.default.{table}",
                "SparkSession.sql script (CreateDataSourceTableAsSelectCommand)",
            )
        ]
        if ran
        else []
    )
    assert written == [
        *script,
        (
            f"table:spark_catalog.default.{table}_ok",
            "SparkSession.sql (CreateDataSourceTableAsSelectCommand)",
        ),
    ]
