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
    assert "Spark could not write it (PATH_ALREADY_EXISTS" in message
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


def test_a_frame_is_traced_when_the_notebook_cuts_plan_strings(
    spark: Any, privacy: PrivacySession, lineage: Lineage, tmp_path: Path
) -> None:
    """A notebook may set spark.sql.maxPlanStringLength low (to keep big plans out of its logs); the
    marks sit at the end of a plan's text, so the write of an unmasked in-memory frame went unlogged."""
    _path, raw = _people(tmp_path, "people.parquet", 4, n=50)
    opened = _unmasked(privacy, _governed(spark, privacy, raw, "memory"))
    spark.conf.set("spark.sql.maxPlanStringLength", "100")
    try:
        opened.filter("spend >= 0").select("email", "spend").write.parquet(str(tmp_path / "derived"))
        assert spark.conf.get("spark.sql.maxPlanStringLength") == "100"  # the notebook's setting stays
    finally:
        spark.conf.unset("spark.sql.maxPlanStringLength")
    (written,) = _events(privacy, "output_written")
    assert written.payload["datasets"] == [opened._jupyter_privacy_load.dataset_id]


# -- frames with no masking step left in their plan ---------------------------------------------


def _governed(spark: Any, privacy: PrivacySession, raw: pd.DataFrame, how: str) -> Any:
    """``raw`` governed from an in-memory Spark DataFrame, or from a table (``load_spark(table=...)``)."""
    frame = spark.createDataFrame(raw)
    if how == "memory":
        return govern_spark_frame(privacy, frame)
    frame.createOrReplaceTempView("crm_people")
    return load_spark(privacy, table="crm_people", spark=spark)


def _unmasked(privacy: PrivacySession, masked: Any) -> Any:
    """Every masked column of ``masked`` unmasked: no masking function is left in the frame's plan."""
    from jupyter_privacy.kernel.spark_marks import plan_text
    from jupyter_privacy.kernel.spark_unmask import unmask_spark

    privacy.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    opened = unmask_spark(privacy, masked, ["email"])
    assert "jp_mask_" not in plan_text(opened._jdf.queryExecution().analyzed())
    return opened


@pytest.mark.parametrize("how", ["memory", "table"])
def test_writes_of_a_fully_unmasked_frame_name_its_dataset(
    spark: Any, privacy: PrivacySession, lineage: Lineage, tmp_path: Path, how: str
) -> None:
    """An unmasked frame governed from an in-memory frame or a table reads no governed file and runs no
    masking: its writes, and those of frames derived from it (joins, aggregates), still name its dataset."""
    _path, raw = _people(tmp_path, "people.parquet", 7)
    opened = _unmasked(privacy, _governed(spark, privacy, raw, how))
    dataset = opened._jupyter_privacy_load.dataset_id
    other = spark.createDataFrame(pd.DataFrame({"churned": [0, 1], "label": ["stays", "leaves"]}))

    opened.write.parquet(str(tmp_path / "opened"))
    opened.groupBy("churned").agg({"spend": "sum"}).join(other, "churned").write.csv(str(tmp_path / "agg"))
    opened.alias("a").join(opened.alias("b"), "email").select("a.email", "b.spend").write.json(
        str(tmp_path / "self_join")
    )
    other.write.parquet(str(tmp_path / "unrelated"))

    written = {
        Path(r.payload["path"]).name: r.payload["datasets"] for r in _events(privacy, "output_written")
    }
    assert written == {"opened": [dataset], "agg": [dataset], "self_join": [dataset]}
    assert set(pd.read_parquet(tmp_path / "opened")["email"]) == set(raw["email"])  # it is unmasked


def test_mllib_fit_on_a_fully_unmasked_frame_names_its_dataset(
    spark: Any, privacy: PrivacySession, lineage: Lineage, tmp_path: Path
) -> None:
    from pyspark.ml.classification import LogisticRegression
    from pyspark.ml.feature import VectorAssembler

    _path, raw = _people(tmp_path, "people.parquet", 8)
    opened = _unmasked(privacy, _governed(spark, privacy, raw, "memory"))
    train = VectorAssembler(inputCols=["spend"], outputCol="features").transform(opened)
    model = LogisticRegression(labelCol="churned").fit(train)
    lineage.flush({"model": model})
    (fit,) = _events(privacy, "model_trained")
    assert fit.payload["datasets"] == [opened._jupyter_privacy_load.dataset_id]


@pytest.mark.parametrize("how", ["memory", "table"])
def test_a_governed_frame_with_nothing_to_mask_is_still_traced(
    spark: Any, privacy: PrivacySession, lineage: Lineage, tmp_path: Path, how: str
) -> None:
    """The load is in the log, so what is written from it must be too, even when nothing was masked."""
    _path, raw = _people(tmp_path, "people.parquet", 9)
    governed = _governed(spark, privacy, raw[["spend", "churned"]], how)
    (loaded,) = _events(privacy, "dataset_loaded")
    governed.filter("spend > 10").write.parquet(str(tmp_path / "out"))
    (written,) = _events(privacy, "output_written")
    assert written.payload["datasets"] == [loaded.payload["dataset"]]


def test_a_checkpoint_keeps_the_datasets_of_the_frame_it_saved(
    spark: Any, privacy: PrivacySession, lineage: Lineage, tmp_path: Path
) -> None:
    """A checkpoint's plan is its saved rows (nothing of the governed plan is left): it is marked anew."""
    _path, raw = _people(tmp_path, "people.parquet", 10)
    opened = _unmasked(privacy, _governed(spark, privacy, raw, "memory"))
    spark.sparkContext.setCheckpointDir(str(tmp_path / "checkpoints"))
    opened.localCheckpoint().write.parquet(str(tmp_path / "local"))
    opened.filter("spend > 1").checkpoint().groupBy("churned").count().write.parquet(str(tmp_path / "saved"))
    spark.range(3).checkpoint().write.parquet(str(tmp_path / "unrelated"))
    written = {
        Path(r.payload["path"]).name: r.payload["datasets"] for r in _events(privacy, "output_written")
    }
    dataset = opened._jupyter_privacy_load.dataset_id
    assert written == {"local": [dataset], "saved": [dataset]}


def test_the_mark_costs_nothing_and_leaves_the_users_aliases_and_columns_alone(
    spark: Any, privacy: PrivacySession, tmp_path: Path
) -> None:
    """The mark is in the analysed plan only (the optimiser removes it: the query Spark runs is the same);
    the user's own aliases and column references still resolve; the plans name no value and no key."""
    from pyspark.sql import functions as F

    from jupyter_privacy.kernel.spark_marks import plan_text, spark_datasets_of

    _path, raw = _people(tmp_path, "people.parquet", 12)
    plain = spark.createDataFrame(raw)
    opened = _unmasked(privacy, govern_spark_frame(privacy, plain))
    dataset = opened._jupyter_privacy_load.dataset_id
    execution = opened._jdf.queryExecution()
    assert f"SubqueryAlias jp_ds_{dataset[3:]}" in plan_text(execution.analyzed())
    assert plan_text(execution.optimizedPlan()) == plan_text(plain._jdf.queryExecution().optimizedPlan())
    assert "jp_ds_" not in plan_text(execution.executedPlan())

    a, b = opened.alias("a"), opened.filter("spend > 50").alias("b")
    pairs = a.join(b, F.col("a.email") == F.col("b.email")).select("a.email", F.col("b.spend"))
    assert pairs.count() == int((raw["spend"] > 50).sum())
    picked = opened.select(opened["email"], opened.spend).filter(opened.churned == 1)
    assert picked.count() == int(raw["churned"].sum())
    assert spark_datasets_of(pairs) == spark_datasets_of(picked) == [dataset]

    plans = "".join(plan_text(p) for p in (execution.analyzed(), execution.optimizedPlan()))
    plans += opened._jdf.queryExecution().toString()
    assert privacy.key.secret not in plans and privacy.key.secret.encode().hex() not in plans
    assert not [email for email in raw["email"] if email in plans]


def test_table_writes_of_an_unmasked_frame_name_its_dataset(
    spark: Any, privacy: PrivacySession, lineage: Lineage, tmp_path: Path
) -> None:
    """``saveAsTable``, ``insertInto`` and ``df.writeTo(table)`` (before, not wrapped at all) are logged as
    ``table:<name>`` with the dataset; an ungoverned ``writeTo`` is not logged."""
    _path, raw = _people(tmp_path, "people.parquet", 13)
    opened = _unmasked(privacy, _governed(spark, privacy, raw, "memory"))
    dataset = opened._jupyter_privacy_load.dataset_id
    tables = ["jp_saved", "jp_v2", "jp_plain"]
    try:
        opened.write.option("path", str(tmp_path / "saved")).saveAsTable("jp_saved")
        opened.filter("churned = 1").write.insertInto("jp_saved")
        opened.groupBy("churned").count().writeTo("jp_v2").using("parquet").create()
        spark.range(3).writeTo("jp_plain").using("parquet").create()
        written = [
            (r.payload["path"], r.payload["via"], r.payload["datasets"])
            for r in _events(privacy, "output_written")
        ]
        assert written == [
            ("table:jp_saved", "DataFrameWriter.saveAsTable", [dataset]),
            ("table:jp_saved", "DataFrameWriter.insertInto", [dataset]),
            ("table:jp_v2", "DataFrameWriterV2.create", [dataset]),
        ]
        assert spark.table("jp_v2").count() == 2
    finally:
        for table in tables:
            spark.sql(f"DROP TABLE IF EXISTS {table}")


def test_spark_sql_writes_from_a_governed_view_name_its_dataset(
    spark: Any, privacy: PrivacySession, lineage: Lineage, tmp_path: Path
) -> None:
    """``CREATE TABLE ... AS SELECT``, ``INSERT INTO`` and ``INSERT OVERWRITE DIRECTORY`` over a temporary
    view of an unmasked frame are logged with its dataset and their target, never with the SQL text."""
    _path, raw = _people(tmp_path, "people.parquet", 14)
    opened = _unmasked(privacy, _governed(spark, privacy, raw, "memory"))
    dataset = opened._jupyter_privacy_load.dataset_id
    opened.createOrReplaceTempView("opened_people")
    secret = raw["email"][0]
    try:
        spark.sql("CREATE TABLE jp_ctas USING parquet AS SELECT email, spend FROM opened_people")
        spark.sql(f"INSERT INTO jp_ctas SELECT email, spend FROM opened_people WHERE email <> '{secret}'")
        spark.sql(
            f"INSERT OVERWRITE DIRECTORY '{tmp_path / 'dir'}' USING parquet SELECT * FROM opened_people"
        )
        spark.sql("CREATE TABLE jp_plain USING parquet AS SELECT id FROM range(3)")
        assert spark.sql("SELECT count(*) AS n FROM jp_ctas").collect()[0]["n"] == 2 * len(raw) - 1
        written = [r.payload for r in _events(privacy, "output_written")]
        assert [(w["path"], w["datasets"]) for w in written] == [
            ("table:spark_catalog.default.jp_ctas", [dataset]),
            ("table:spark_catalog.default.jp_ctas", [dataset]),
            (str(tmp_path / "dir"), [dataset]),
        ]
        assert written[0]["via"] == "SparkSession.sql (CreateDataSourceTableAsSelectCommand)"
        assert written[0]["columns"] == ["email", "spend"]
        assert len(written[2]["sha256"]) == 64
        assert secret not in str(written)
    finally:
        for table in ("jp_ctas", "jp_plain"):
            spark.sql(f"DROP TABLE IF EXISTS {table}")


def test_database_writes_and_save_with_a_path_option_name_their_target(
    spark: Any, privacy: PrivacySession, lineage: Lineage, tmp_path: Path
) -> None:
    """``df.write.jdbc(...)`` (before, not wrapped) and ``format("jdbc")...save()`` are logged with the
    database and table, not the URL's user or password; ``save()`` with a ``path`` option with that path
    (before, "table:None"); the noop format, which writes nothing, is not logged."""
    from jupyter_privacy.kernel.spark_targets import jdbc_name

    _path, raw = _people(tmp_path, "people.parquet", 15)
    opened = _unmasked(privacy, _governed(spark, privacy, raw, "memory"))
    dataset = opened._jupyter_privacy_load.dataset_id
    url = f"jdbc:derby:memory:jp{tmp_path.name};create=true;user=analyst;password=s3cret"
    opened.write.jdbc(url, "PEOPLE", properties={"driver": "org.apache.derby.iapi.jdbc.AutoloadedDriver"})
    opened.select("email").write.format("jdbc").options(url=url, dbtable="EMAILS").save()
    opened.write.format("parquet").option("path", str(tmp_path / "by_option")).save()
    opened.write.format("noop").mode("overwrite").save()  # runs the query, writes nothing: not logged
    written = [
        (r.payload["path"], r.payload["via"], r.payload["datasets"])
        for r in _events(privacy, "output_written")
    ]
    assert written == [
        ("jdbc:derby#PEOPLE", "DataFrameWriter.jdbc", [dataset]),
        ("jdbc:derby#EMAILS", "DataFrameWriter.save", [dataset]),
        (str(tmp_path / "by_option"), "DataFrameWriter.save", [dataset]),
    ]
    assert "s3cret" not in str(written)
    read_back = spark.read.jdbc(url, "EMAILS").count()
    assert read_back == len(raw)
    assert jdbc_name("jdbc:postgresql://analyst:pw@db.internal:5432/crm?password=pw", "public.contacts") == (
        "jdbc:postgresql://db.internal:5432/crm#public.contacts"
    )
    assert (
        jdbc_name("jdbc:sqlserver://db:1433;databaseName=crm;password=pw", "dbo.t")
        == "jdbc:sqlserver://db:1433#dbo.t"
    )
    assert (
        jdbc_name("jdbc:mysql://analyst:pa/ss@db/crm", "t") == "jdbc:mysql://db/crm#t"
    )  # a slash in a password
    assert jdbc_name("jdbc:oracle:thin:scott/tiger@db:1521:orcl", "t") == "jdbc:oracle#t"


def test_lineage_crosses_to_pandas_and_back(
    spark: Any, privacy: PrivacySession, lineage: Lineage, tmp_path: Path
) -> None:
    """``toPandas()`` of an unmasked frame written with ``to_csv``, and a Spark frame made from it again,
    name the dataset; the pandas copy cannot be unmasked as a pandas load (a clear refusal, nothing
    logged). An RDD round trip keeps nothing (documented)."""
    from jupyter_privacy.kernel.errors import UnmaskDenied

    _path, raw = _people(tmp_path, "people.parquet", 16)
    opened = _unmasked(privacy, _governed(spark, privacy, raw, "memory"))
    dataset = opened._jupyter_privacy_load.dataset_id
    local = opened.filter("churned = 1").toPandas()
    local[["email", "spend"]].to_csv(tmp_path / "local.csv", index=False)
    spark.createDataFrame(local.assign(spend=local["spend"] * 2)).write.parquet(str(tmp_path / "back"))
    spark.createDataFrame(opened.rdd).write.parquet(str(tmp_path / "rdd"))  # a new plan: not traced
    lineage.flush({})
    written = {
        Path(r.payload["path"]).name: r.payload["datasets"] for r in _events(privacy, "output_written")
    }
    assert written == {"local.csv": [dataset], "back": [dataset]}

    before = len(_events(privacy, "unmask_denied"))
    with pytest.raises(UnmaskDenied, match="converted from a spark DataFrame"):
        privacy.unmask(opened.toPandas(), ["email"])
    assert len(_events(privacy, "unmask_denied")) == before


def test_a_cell_that_starts_spark_has_its_writers_wrapped_before_it_runs(tmp_path: Path) -> None:
    """``df = jp.load(p, engine="spark"); df.write.parquet(out)`` in the kernel's first Spark cell: PySpark
    is not imported yet when the cell starts, so its writers are imported and wrapped first (a fresh
    interpreter: this test process has long imported PySpark)."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from jupyter_privacy.kernel.lineage import Lineage\n"
        "assert 'pyspark.sql.readwriter' not in sys.modules\n"
        "tracker = Lineage(None)\n"
        'tracker.import_and_hook(\'df = jp.load("events.parquet", engine="spark"); df.write.parquet("out")\')\n'
        "from pyspark.sql.readwriter import DataFrameWriter, DataFrameWriterV2\n"
        "print(DataFrameWriter.parquet.__module__, DataFrameWriterV2.create.__module__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["jupyter_privacy.kernel.spark_lineage"] * 2
