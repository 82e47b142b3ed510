"""The Spark engine on Spark Connect, against a real Spark Connect server (its own process, a local[2]
Spark with the Connect plugin: tests/spark_connect.py): loads, govern, tokens, the purpose gate and
unmask, lineage of writes read off the client-side plan, erasure fingerprints, the key kept out."""

from __future__ import annotations

import base64
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from faker import Faker

import jupyter_privacy as jp
from jupyter_privacy.kernel.errors import LoadError, OutputError, UnmaskDenied
from jupyter_privacy.kernel.lineage import Lineage
from jupyter_privacy.kernel.session import PrivacySession, set_session
from jupyter_privacy.kernel.spark_marks import spark_datasets_of, spark_grants_of
from jupyter_privacy.ledger import SqliteLedgerStore
from jupyter_privacy.records.erasure import erasure_lookup, parse_subject
from jupyter_privacy.records.fingerprints import FingerprintStore, fingerprint_path

pytest.importorskip("grpc")

CONNECT_MODE = "SPARK_CONNECT_MODE_ENABLED"


@pytest.fixture(scope="module")
def connect(spark_connect_server: Any) -> Iterator[Any]:
    """A Connect client session, with the process in Connect mode as ``SparkSession.builder.remote(...)``
    leaves a notebook's (``pyspark.sql.functions`` then build Connect columns); put back afterwards, as
    the classic tests of other modules share this process."""
    saved = os.environ.get(CONNECT_MODE)
    os.environ[CONNECT_MODE] = "1"
    session = spark_connect_server.session()
    yield session
    session.stop()
    if saved is None:
        os.environ.pop(CONNECT_MODE, None)
    else:
        os.environ[CONNECT_MODE] = saved


@pytest.fixture
def api(privacy: PrivacySession) -> Iterator[PrivacySession]:
    """``privacy`` as the session of the Python API (jp.load, jp.govern, jp.unmask)."""
    set_session(privacy)
    yield privacy
    set_session(None)


@pytest.fixture
def lineage(api: PrivacySession, connect: Any) -> Iterator[Lineage]:
    tracker = Lineage(api)
    tracker.install()
    yield tracker
    tracker.uninstall()


@pytest.fixture(scope="module")
def crm(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, pd.DataFrame]:
    Faker.seed(17)
    fake = Faker()
    raw = pd.DataFrame(
        {
            "id": range(400),
            "email": [fake.unique.email() for _ in range(400)],
            "full_name": [fake.name() for _ in range(400)],
            "phone": [f"06-{61000000 + i * 37}" for i in range(400)],
            "balance": [float(i) for i in range(400)],
        }
    )
    folder = tmp_path_factory.mktemp("connect-data")
    raw.to_parquet(folder / "crm.parquet", index=False)
    raw.to_csv(folder / "crm.csv", index=False)
    return folder / "crm.parquet", folder / "crm.csv", raw


def _records(privacy: PrivacySession, event: str | None = None) -> list[Any]:
    with SqliteLedgerStore(privacy.policy.log.resolved_path(), readonly=True) as store:
        return [r for r in store.records(privacy.notebook) if event is None or r.event == event]


def _secrets(text: str) -> list[str]:
    """The key and its HMAC pads, as text, hex and base64 (as tests/engines/test_spark_load.py)."""
    key = text.encode()
    block = key.ljust(64, b"\0")
    pads = [bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)]
    found = [text]
    for raw in [key, *pads]:
        found += [raw.hex(), base64.b64encode(raw).decode(), raw.hex().upper()]
    return found


def test_connect_loads_of_parquet_and_csv_are_masked_like_pandas(
    connect: Any, api: PrivacySession, crm: tuple[Path, Path, pd.DataFrame]
) -> None:
    parquet, csv, raw = crm
    by_pandas = api.load(parquet)
    for path in (parquet, csv):
        masked = jp.load(str(path), engine="spark", spark=connect)
        assert type(masked).__module__ == "pyspark.sql.connect.dataframe"
        got = masked.toPandas().sort_values("id")
        for column in ("email", "full_name", "phone"):
            assert got[column].tolist() == by_pandas[column].tolist(), (path.name, column)
            assert not set(raw[column]) & set(got[column])
        assert got["balance"].tolist() == raw["balance"].tolist()
    loads = _records(api, "dataset_loaded")
    assert [r.payload.get("engine", "pandas") for r in loads] == ["pandas", "spark", "spark"]
    assert [Path(r.payload["source"]).name for r in loads[1:]] == ["crm.parquet", "crm.csv"]
    assert all(r.payload["shape"] == [400, 5] for r in loads[1:])


def test_the_jvm_token_function_is_not_used_on_connect_and_says_so_once(
    connect: Any, api: PrivacySession, crm: tuple[Path, Path, pd.DataFrame], caplog: pytest.LogCaptureFixture
) -> None:
    """Spark Connect gives the client no JVM: string columns are masked by Arrow UDFs (same tokens), and
    the notebook is told so once per session, not at every load."""
    from jupyter_privacy.engines.spark import jvm

    parquet, _csv, _raw = crm
    if hasattr(connect, jvm._ATTR):
        delattr(connect, jvm._ATTR)  # as a fresh session: the module's earlier tests loaded already
    with caplog.at_level(logging.WARNING, logger="jupyter_privacy.engines.spark.jvm"):
        first = jp.load(str(parquet), engine="spark", spark=connect)
        jp.load(str(parquet), engine="spark", spark=connect)
    said = [r.getMessage() for r in caplog.records if "Spark Connect" in r.getMessage()]
    assert len(said) == 1 and "Arrow UDFs" in said[0] and "same tokens" in said[0]
    plan = first._explain_string(extended=True)
    assert "jp_mask_ds-" in plan and "ArrowEvalPython" in plan and "BatchEvalPython" not in plan


def test_govern_an_existing_connect_frame(connect: Any, api: PrivacySession) -> None:
    people = connect.createDataFrame(
        pd.DataFrame({"email": ["anna.jansen@example.org", "ben.berg@example.com"], "plan": ["a", "b"]})
    )
    masked = jp.govern(people, source="crm-frame")
    rows = masked.orderBy("plan").collect()
    assert all(r["email"].endswith("@masked.invalid") for r in rows)
    (loaded,) = _records(api, "dataset_loaded")
    assert loaded.payload["source"] == "crm-frame" and loaded.payload["engine"] == "spark"
    assert spark_datasets_of(masked) == [loaded.payload["dataset"]]
    assert spark_datasets_of(masked.filter("plan = 'a'").select("email")) == [loaded.payload["dataset"]]
    assert spark_datasets_of(people) == []


def test_purpose_gate_and_unmask_on_connect(
    connect: Any, api: PrivacySession, crm: tuple[Path, Path, pd.DataFrame]
) -> None:
    parquet, _csv, raw = crm
    masked = jp.load(str(parquet), engine="spark", spark=connect)
    with pytest.raises(UnmaskDenied, match="no purpose declared"):
        jp.unmask(masked, ["email"])
    assert [r.event for r in _records(api) if r.event not in ("session_start", "dataset_loaded")] == [
        "unmask_denied"
    ]
    jp.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    with pytest.raises(UnmaskDenied, match="does not allow raw access to: full_name"):
        jp.unmask(masked, ["full_name"])
    opened = jp.unmask(masked, ["email"])
    got = opened.orderBy("id").toPandas()
    assert got["email"].tolist() == raw["email"].tolist()
    assert not set(raw["full_name"]) & set(got["full_name"])
    events = [r.event for r in _records(api) if r.event.startswith("unmask")]
    assert events == ["unmask_denied", "unmask_denied", "unmask_granted"]
    (granted,) = _records(api, "unmask_granted")
    assert granted.payload["engine"] == "spark"
    assert spark_grants_of(opened.select("email")) == [granted.payload["grant"]]
    assert spark_grants_of(masked) == []


def test_writes_of_connect_frames_are_logged_with_their_datasets(
    connect: Any, api: PrivacySession, lineage: Lineage, crm: tuple[Path, Path, pd.DataFrame], tmp_path: Path
) -> None:
    parquet, _csv, raw = crm
    masked = jp.load(str(parquet), engine="spark", spark=connect)
    dataset = masked._jupyter_privacy_load.dataset_id
    masked.write.parquet(str(tmp_path / "masked"))
    masked.groupBy("balance").count().write.mode("overwrite").csv(str(tmp_path / "counts"), header=True)
    connect.range(3).write.parquet(str(tmp_path / "unrelated"))
    jp.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    jp.unmask(masked, ["email"]).select("id", "email").write.json(str(tmp_path / "opened"))

    written = {Path(r.payload["path"]).name: r.payload for r in _records(api, "output_written")}
    assert set(written) == {"masked", "counts", "opened"}
    assert all(w["datasets"] == [dataset] and w["engine"] == "spark" for w in written.values())
    assert written["masked"]["via"] == "DataFrameWriter.parquet" and len(written["masked"]["sha256"]) == 64
    assert not set(raw["email"]) & set(pd.read_parquet(tmp_path / "masked")["email"])


def test_a_failed_connect_write_is_one_clear_error_and_not_logged(
    connect: Any, api: PrivacySession, lineage: Lineage, crm: tuple[Path, Path, pd.DataFrame], tmp_path: Path
) -> None:
    parquet, _csv, raw = crm
    masked = jp.load(str(parquet), engine="spark", spark=connect)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "part-0.parquet").write_bytes(b"an earlier output")
    with pytest.raises(OutputError) as caught:
        masked.write.parquet(str(tmp_path / "out"))  # mode "error": the folder exists
    message = str(caught.value)
    assert "nothing was logged" in message and "PATH_ALREADY_EXISTS" in message
    assert not any(email in message for email in raw["email"])
    assert _records(api, "output_written") == []


def test_connect_loads_record_erasure_fingerprints(
    connect: Any, api: PrivacySession, crm: tuple[Path, Path, pd.DataFrame]
) -> None:
    parquet, _csv, raw = crm
    jp.load(str(parquet), engine="spark", spark=connect)
    (loaded,) = [r.payload for r in _records(api, "dataset_loaded")]
    assert "error" not in loaded["fingerprints"]
    assert {c["column"]: c["distinct"] for c in loaded["fingerprints"]["columns"]}["email"] == 400
    ledger = api.policy.log.resolved_path()

    def lookup(subject: str) -> dict[str, Any]:
        with (
            SqliteLedgerStore(ledger, readonly=True) as store,
            FingerprintStore(fingerprint_path(ledger), readonly=True) as fps,
        ):
            return erasure_lookup(store, fps, api.key, [parse_subject(subject)])

    found = lookup(f"email={raw['email'][123].upper()}")
    assert found["found"] and [Path(d["source"]).name for d in found["datasets"]] == ["crm.parquet"]
    assert not lookup("email=nobody.here@example.invalid")["found"]


def test_the_key_stays_out_of_connect_plans_logs_and_the_ledger(
    connect: Any,
    api: PrivacySession,
    lineage: Lineage,
    spark_connect_server: Any,
    crm: tuple[Path, Path, pd.DataFrame],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The masking functions travel to the server pickled inside the plan (they must reach the executors,
    as over Py4J in classic Spark), so the Connect client's debug log of the plans it sends is what could
    quote the key: those records are withheld. Explain output, the server's event log (its plans) and the
    ledger never hold it."""
    from pyspark.sql.connect.logging import logger as connect_logger

    parquet, _csv, _raw = crm
    saved = connect_logger.level, connect_logger.disabled
    connect_logger.setLevel(logging.DEBUG)
    connect_logger.disabled = False
    try:
        with caplog.at_level(logging.DEBUG, logger=connect_logger.name):
            masked = jp.load(str(parquet), engine="spark", spark=connect)
            masked.write.parquet(str(tmp_path / "out"))
            jp.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
            jp.unmask(masked, ["email"]).collect()
    finally:
        connect_logger.setLevel(saved[0])
        connect_logger.disabled = saved[1]
    client_log = "\n".join(r.getMessage() for r in caplog.records)
    assert "Executing plan" in client_log or "ExecuteAndFetch" in client_log  # the log was on
    plans = masked._explain_string(extended=True) + masked._explain_string(mode="formatted")
    events = "".join(
        p.read_text("utf-8", errors="replace")
        for p in spark_connect_server.event_log.rglob("*")
        if p.is_file()
    )
    assert "SparkListenerSQLExecutionStart" in events
    ledger = json.dumps([r.payload for r in _records(api)])
    for secret in _secrets(api.key.secret):
        assert secret not in plans
        assert secret not in events
        assert secret not in ledger
        assert secret not in client_log


def test_a_missing_file_is_one_clear_error_and_nothing_is_logged(
    connect: Any, api: PrivacySession, tmp_path: Path
) -> None:
    api.start()
    with pytest.raises(LoadError, match="no such file or folder"):
        jp.load(str(tmp_path / "nowhere.parquet"), engine="spark", spark=connect)
    # a file that vanishes between the check and Spark's read: Spark's own refusal, one line
    folder = tmp_path / "gone"
    folder.mkdir()
    pd.DataFrame({"email": ["a@example.org"]}).to_parquet(folder / "part-0.parquet")
    frame = connect.read.parquet(str(folder))
    (folder / "part-0.parquet").unlink()
    with pytest.raises(LoadError) as caught:
        jp.govern(frame, source="vanished")
    assert "\n" not in str(caught.value) and "Traceback" not in str(caught.value)
    assert [r.event for r in _records(api) if r.event != "session_start"] == []


def test_a_source_named_by_a_uri_is_listed_and_hashed_by_the_connect_server(
    connect: Any, api: PrivacySession, crm: tuple[Path, Path, pd.DataFrame], tmp_path: Path
) -> None:
    """``file:/...`` (the path ``s3a://`` or ``abfss://`` takes): listed by the server's file index (the
    notebook has no Hadoop file system on Connect), ``_SUCCESS`` skipped, hashed by the server, and an
    unmask refused once a part file changed."""
    _parquet, _csv, raw = crm
    folder = tmp_path / "crm_parts"
    connect.createDataFrame(raw).repartition(3).write.parquet(str(folder))
    assert (folder / "_SUCCESS").exists()
    masked = jp.load(folder.as_uri(), engine="spark", spark=connect)
    (loaded,) = _records(api, "dataset_loaded")
    assert loaded.payload["source"] == folder.as_uri() and len(loaded.payload["content_sha256"]) == 64
    jp.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    opened = jp.unmask(masked, ["email"]).orderBy("id").toPandas()
    assert opened["email"].tolist() == raw["email"].tolist()
    part = next(folder.glob("part-*.parquet"))
    part.with_name(f".{part.name}.crc").unlink()
    pd.read_parquet(part).assign(balance=-1.0).to_parquet(part, index=False)
    with pytest.raises(LoadError, match="changed since it was loaded"):
        jp.unmask(masked, ["email"])
    with pytest.raises(LoadError, match="no such path"):
        jp.load((tmp_path / "nowhere").as_uri(), engine="spark", spark=connect)
    assert len(_records(api, "unmask_granted")) == 1 and len(_records(api, "dataset_loaded")) == 1


def _said(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "jupyter_privacy.kernel.spark_sql"]


def test_sql_writes_on_connect_are_not_logged_and_a_warning_says_so_once(
    connect: Any,
    api: PrivacySession,
    lineage: Lineage,
    crm: tuple[Path, Path, pd.DataFrame],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """What does not work on Connect, pinned: a write made in Spark SQL runs on the server and its plan
    never reaches the notebook, so it is not logged; the notebook is told, once."""
    parquet, _csv, _raw = crm
    jp.load(str(parquet), engine="spark", spark=connect).createOrReplaceTempView("governed_crm")
    with caplog.at_level(logging.WARNING, logger="jupyter_privacy.kernel.spark_sql"):
        connect.sql("SELECT count(*) FROM governed_crm").collect()  # a query: nothing said
        assert not _said(caplog)
        for name in ("one", "two"):
            target = (tmp_path / name).as_uri()
            connect.sql(f"INSERT OVERWRITE DIRECTORY '{target}' USING parquet SELECT * FROM governed_crm")
    said = _said(caplog)
    assert len(said) == 1 and "Spark Connect" in said[0] and "NOT logged" in said[0]
    assert (tmp_path / "one").exists() and _records(api, "output_written") == []


def test_a_sql_script_on_connect_is_warned_about_too(
    connect: Any,
    api: PrivacySession,
    lineage: Lineage,
    crm: tuple[Path, Path, pd.DataFrame],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A SQL script (``BEGIN ... END``) that writes runs on the server like any SQL write and is not
    logged: the notebook was not told (the warning looked only for a statement starting with a write)."""
    parquet, _csv, _raw = crm
    jp.load(str(parquet), engine="spark", spark=connect).createOrReplaceTempView("governed_crm_s")
    target = (tmp_path / "scripted").as_uri()
    with caplog.at_level(logging.WARNING, logger="jupyter_privacy.kernel.spark_sql"):
        connect.sql(
            f"-- nightly\nbegin INSERT OVERWRITE DIRECTORY '{target}' USING parquet SELECT * FROM governed_crm_s; end"
        )
    said = _said(caplog)
    assert len(said) == 1 and "NOT logged" in said[0] and "script" in said[0], said
    assert (tmp_path / "scripted").exists() and _records(api, "output_written") == []


def test_a_relative_path_written_on_connect_is_logged_as_given_with_a_warning(
    connect: Any,
    api: PrivacySession,
    lineage: Lineage,
    crm: tuple[Path, Path, pd.DataFrame],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The server resolves a relative path below its own working directory, which the notebook does not
    know: the record names it as given (not resolved against the notebook's directory), without a hash."""
    parquet, _csv, _raw = crm
    masked = jp.load(str(parquet), engine="spark", spark=connect)
    relative = os.path.relpath(tmp_path / "rel", Path.cwd())  # the test server runs in this directory
    with caplog.at_level(logging.WARNING, logger="jupyter_privacy.kernel.spark_lineage"):
        masked.write.parquet(relative)
    (written,) = _records(api, "output_written")
    assert written.payload["path"] == relative and written.payload["sha256"] is None
    assert [r for r in caplog.records if "relative path" in r.getMessage()]


def test_a_connect_frame_of_a_revoked_grant_hands_out_no_rows(
    connect: Any, api: PrivacySession, lineage: Lineage, crm: tuple[Path, Path, pd.DataFrame]
) -> None:
    """Ending the purpose revokes its grants: a Connect frame derived from the unmask refuses its rows
    (collect, show, toPandas, toArrow, write), read off its plan's grant mark; the masked frame does not."""
    parquet, _csv, raw = crm
    masked = jp.load(str(parquet), engine="spark", spark=connect)
    jp.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    opened = jp.unmask(masked, ["email"]).filter("balance > 10")
    assert opened.count() == 389
    api.end_purpose()
    for hands_out in (
        opened.collect,
        opened.show,
        opened.toPandas,
        opened.toArrow,
        lambda: opened.select("email").take(1),
        opened.count,
        opened.isEmpty,
        lambda: opened.groupBy("balance").pivot("email").count().columns,  # raw addresses as names
        lambda: opened.crosstab("balance", "email").columns,
    ):
        with pytest.raises(UnmaskDenied, match="revoked"):
            hands_out()
    assert not set(raw["email"]) & {r["email"] for r in masked.collect()}


def test_connect_views_of_a_revoked_grant_are_dropped_and_write_nothing(
    connect: Any,
    api: PrivacySession,
    lineage: Lineage,
    crm: tuple[Path, Path, pd.DataFrame],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """On Connect too, views of an unmask's frames are dropped when the purpose ends (found by the
    server's plan of each view), a statement naming one is refused, and no view of a revoked frame is
    made; a view of the masked frame stays."""
    parquet, _csv, raw = crm
    masked = jp.load(str(parquet), engine="spark", spark=connect)
    jp.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    opened = jp.unmask(masked, ["email"])
    opened.createOrReplaceTempView("c_raw_v")
    connect.sql("CREATE OR REPLACE TEMP VIEW c_raw_v2 AS SELECT email FROM c_raw_v")
    masked.createOrReplaceTempView("c_masked_v")
    grant = next(r.payload["grant"] for r in _records(api, "unmask_granted"))
    with caplog.at_level(logging.WARNING):
        api.end_purpose()
    said = [r.getMessage() for r in caplog.records if r.name == "jupyter_privacy.kernel.spark_views"]
    assert [m for m in said if "c_raw_v," in m and "c_raw_v2" in m and grant in m], said
    assert _records(api, "grants_revoked")[-1].payload["temporary_views_dropped"] == 2
    target = tmp_path / "raw_dir"
    for statement in (
        lambda: connect.sql(f"INSERT OVERWRITE DIRECTORY '{target}' USING parquet SELECT * FROM c_raw_v2"),
        lambda: connect.table("c_raw_v").collect(),
        lambda: connect.read.table("c_raw_v").collect(),
        lambda: opened.createOrReplaceTempView("c_raw_v3"),
        lambda: connect.sql("SELECT * FROM {df}", df=opened).collect(),
    ):
        with pytest.raises(UnmaskDenied, match=f"{grant}.*revoked|revoked.*{grant}"):
            statement()
    assert not target.exists()
    left = {t.name for t in connect.catalog.listTables() if t.isTemporary}
    assert "c_masked_v" in left and not left & {"c_raw_v", "c_raw_v2", "c_raw_v3"}
    assert not set(raw["email"]) & {r["email"] for r in connect.table("c_masked_v").collect()}


def test_a_connect_server_whose_workers_cannot_run_the_masking_is_one_clear_error(
    api: PrivacySession, crm: tuple[Path, Path, pd.DataFrame], tmp_path: Path
) -> None:
    """A Connect server whose executors run a Python without pyarrow (``-S``: no site-packages): the
    load is refused before anything is logged, with what to install where; the notebook cannot point a
    server's workers at another Python, so nothing is 'repaired'."""
    import sys

    from spark_connect import start_server

    parquet, _csv, _raw = crm
    api.start()
    script = tmp_path / "python3"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -S "$@"\n')
    script.chmod(0o755)
    server = start_server(tmp_path / "events", python=str(script))
    saved = os.environ.get(CONNECT_MODE)
    os.environ[CONNECT_MODE] = "1"
    session = server.session()
    try:
        with pytest.raises(LoadError) as err:
            jp.load(str(parquet), engine="spark", spark=session)
    finally:
        session.stop()
        server.stop()
        if saved is None:
            os.environ.pop(CONNECT_MODE, None)
    message = str(err.value)
    assert message.startswith("Spark's Python workers cannot run the masking (")
    assert "install jupyter_privacy[spark] in the Python the executors run" in message
    assert "Traceback" not in message and "\n" not in message
    assert [r.event for r in _records(api) if r.event != "session_start"] == []


def test_marks_behind_views_sql_and_checkpoints_are_read_off_the_servers_plan(
    connect: Any, api: PrivacySession, lineage: Lineage, crm: tuple[Path, Path, pd.DataFrame], tmp_path: Path
) -> None:
    """A temporary view read by ``spark.sql`` or ``spark.table``, and a checkpoint, hold the plan on the
    server: their marks come from its analysed plan; a literal spelling a mark is not one."""
    parquet, _csv, _raw = crm
    masked = jp.load(str(parquet), engine="spark", spark=connect)
    dataset = masked._jupyter_privacy_load.dataset_id
    masked.createOrReplaceTempView("crm_view")
    by_sql = connect.sql("SELECT email, balance FROM crm_view WHERE balance > 10")
    assert spark_datasets_of(by_sql) == [dataset]
    assert spark_datasets_of(connect.table("crm_view")) == [dataset]
    assert spark_datasets_of(masked.localCheckpoint()) == [dataset]  # the lineage hook marks its result
    forged = connect.sql(f"SELECT 'SubqueryAlias jp_ds_{dataset[3:]}' AS x, 'jp_mask_{dataset}(' AS y")
    assert spark_datasets_of(forged) == []
    by_sql.write.parquet(str(tmp_path / "from_sql"))
    (written,) = _records(api, "output_written")
    assert written.payload["datasets"] == [dataset]


def test_table_writes_and_mllib_fits_of_connect_frames_are_logged(
    connect: Any, api: PrivacySession, lineage: Lineage, crm: tuple[Path, Path, pd.DataFrame], tmp_path: Path
) -> None:
    """``saveAsTable``, ``insertInto`` and ``df.writeTo(table)`` on Connect, logged as ``table:<name>`` with
    the dataset (an ungoverned one not logged); an MLlib fit on a governed Connect frame, ``model_trained``."""
    from pyspark.ml.classification import LogisticRegression
    from pyspark.ml.feature import VectorAssembler

    lineage.import_and_hook("import pyspark.ml")
    parquet, _csv, _raw = crm
    masked = jp.load(str(parquet), engine="spark", spark=connect)
    dataset = masked._jupyter_privacy_load.dataset_id
    tables = ["jp_saved", "jp_v2", "jp_plain"]
    try:
        masked.write.option("path", str(tmp_path / "saved")).saveAsTable("jp_saved")
        masked.filter("balance > 200").write.insertInto("jp_saved")
        masked.groupBy("balance").count().writeTo("jp_v2").using("parquet").create()
        connect.range(3).writeTo("jp_plain").using("parquet").create()
        written = [
            (r.payload["path"], r.payload["via"], r.payload["datasets"])
            for r in _records(api, "output_written")
        ]
        assert written == [
            ("table:jp_saved", "DataFrameWriter.saveAsTable", [dataset]),
            ("table:jp_saved", "DataFrameWriter.insertInto", [dataset]),
            ("table:jp_v2", "DataFrameWriterV2.create", [dataset]),
        ]
    finally:
        for table in tables:
            connect.sql(f"DROP TABLE IF EXISTS {table}")

    train = masked.selectExpr("balance", "CAST(balance > 200 AS INT) AS label")
    features = VectorAssembler(inputCols=["balance"], outputCol="features").transform(train)
    model = LogisticRegression(labelCol="label", maxIter=5).fit(features)
    lineage.flush({"model": model})
    (fit,) = _records(api, "model_trained")
    assert fit.payload["datasets"] == [dataset] and fit.payload["variable"] == "model"


def test_a_catalogue_table_is_loaded_and_unmasked_on_connect(
    connect: Any, api: PrivacySession, crm: tuple[Path, Path, pd.DataFrame]
) -> None:
    """``load(table=...)`` on Connect: read from the server's catalogue, hashed by its files, unmasked."""
    _parquet, _csv, raw = crm
    connect.createDataFrame(raw).write.saveAsTable("jp_crm")
    try:
        masked = jp.load(table="jp_crm", engine="spark", spark=connect)
        assert not set(raw["email"]) & {r["email"] for r in masked.collect()}
        (loaded,) = _records(api, "dataset_loaded")
        assert loaded.payload["source"] == "table:jp_crm" and len(loaded.payload["content_sha256"]) == 64
        jp.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
        opened = jp.unmask(masked, ["email"]).orderBy("id").toPandas()
        assert opened["email"].tolist() == raw["email"].tolist()
    finally:
        connect.sql("DROP TABLE IF EXISTS jp_crm")


def test_a_file_or_table_the_connect_server_cannot_read_is_one_clear_error(
    connect: Any, api: PrivacySession, tmp_path: Path
) -> None:
    """Connect reads lazily (the server analyses a frame when asked for its schema): a corrupt file or an
    unknown table fails inside the load, as one clear error, not as a gRPC traceback."""
    api.start()
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not a parquet file, alice.secret@example.org")
    with pytest.raises(LoadError) as caught:
        jp.load(str(broken), engine="spark", spark=connect)
    message = str(caught.value)
    assert "Spark" in message and "\n" not in message and "alice.secret" not in message
    with pytest.raises(LoadError, match="no such table"):
        jp.load(table="no_such_table", engine="spark", spark=connect)
    assert [r.event for r in _records(api) if r.event != "session_start"] == []
