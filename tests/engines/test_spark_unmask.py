"""Purpose gate and unmask for governed Spark DataFrames, against a real local SparkSession."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from faker import Faker

from jupyter_privacy.kernel.errors import LoadError, UnmaskDenied
from jupyter_privacy.kernel.session import PrivacySession
from jupyter_privacy.kernel.spark_load import govern_spark_frame, load_spark
from jupyter_privacy.kernel.spark_unmask import unmask_spark
from jupyter_privacy.ledger import SqliteLedgerStore


@pytest.fixture
def crm(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    Faker.seed(11)
    fake = Faker()
    raw = pd.DataFrame(
        {
            "id": range(500),
            "email": [fake.email() for _ in range(500)],
            "full_name": [fake.name() for _ in range(500)],
            "balance": [float(i) for i in range(500)],
        }
    )
    path = tmp_path / "crm.parquet"
    raw.to_parquet(path, index=False)
    return path, raw


def _rewrite_a_part(folder: Path) -> None:
    """One part file Spark wrote changed in place (its Hadoop checksum removed, so it is still readable)."""
    part = next(folder.glob("part-*.parquet"))
    part.with_name(f".{part.name}.crc").unlink()
    pd.read_parquet(part).assign(balance=-1.0).to_parquet(part, index=False)


def _events(privacy: PrivacySession) -> list[Any]:
    return list(
        SqliteLedgerStore(privacy.policy.log.resolved_path(), readonly=True).records(privacy.notebook)
    )


def test_unmask_needs_a_purpose_that_allows_the_column(
    spark: Any, privacy: PrivacySession, crm: tuple[Path, pd.DataFrame]
) -> None:
    path, raw = crm
    masked = load_spark(privacy, path, spark=spark)
    with pytest.raises(UnmaskDenied, match="no purpose declared"):
        unmask_spark(privacy, masked, ["email"])
    privacy.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    with pytest.raises(UnmaskDenied, match="does not allow raw access to: full_name"):
        unmask_spark(privacy, masked, ["full_name"])

    opened = unmask_spark(privacy, masked, ["email"]).orderBy("id").toPandas()
    assert opened["email"].tolist() == raw["email"].tolist()
    assert not set(raw["full_name"]) & set(opened["full_name"])  # still masked
    assert opened["balance"].tolist() == raw["balance"].tolist()

    events = [(r.event, r.payload.get("reason")) for r in _events(privacy) if r.event.startswith("unmask")]
    assert [e for e, _ in events] == ["unmask_denied", "unmask_denied", "unmask_granted"]
    granted = next(r for r in _events(privacy) if r.event == "unmask_granted")
    assert granted.payload["engine"] == "spark"
    assert granted.payload["columns"][0]["name"] == "email"


def test_unmask_refuses_a_changed_source(
    spark: Any, privacy: PrivacySession, crm: tuple[Path, pd.DataFrame]
) -> None:
    path, raw = crm
    masked = load_spark(privacy, path, spark=spark)
    privacy.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    raw.assign(email=raw["email"].str.upper()).to_parquet(path, index=False)
    with pytest.raises(LoadError, match="changed since it was loaded"):
        unmask_spark(privacy, masked, ["email"])
    assert not [r for r in _events(privacy) if r.event == "unmask_granted"]


def test_derived_frames_are_refused_with_a_hint(
    spark: Any, privacy: PrivacySession, crm: tuple[Path, pd.DataFrame]
) -> None:
    path, _raw = crm
    masked = load_spark(privacy, path, spark=spark)
    privacy.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    with pytest.raises(UnmaskDenied, match="unmask the DataFrame returned by the load"):
        unmask_spark(privacy, masked.filter("balance > 10"), ["email"])
    with pytest.raises(UnmaskDenied, match="not loaded through jupyter-privacy"):
        unmask_spark(privacy, spark.read.parquet(str(path)), ["email"])
    opened = unmask_spark(privacy, masked, ["email"])  # no masking function left in its plan
    with pytest.raises(UnmaskDenied, match="unmask the DataFrame returned by the load"):
        unmask_spark(privacy, opened.filter("balance > 10"), ["email"])


def test_a_source_named_by_a_file_system_uri_is_loaded_hashed_by_spark_and_guarded(
    spark: Any, privacy: PrivacySession, crm: tuple[Path, pd.DataFrame], tmp_path: Path
) -> None:
    """``file:/...`` goes through Spark's Hadoop file system, the path an ``s3a://`` or ``hdfs://`` source
    takes on a cluster: the folder is listed (``_SUCCESS`` skipped), the format found from its part files,
    the content hashed by Spark's executors, and an unmask refused once a part file changed."""
    path, raw = crm
    folder = tmp_path / "crm_parts"
    spark.createDataFrame(raw).repartition(3).write.parquet(str(folder))
    uri = folder.as_uri()
    masked = load_spark(privacy, uri, spark=spark)
    local = load_spark(privacy, path, spark=spark)  # the same rows from a local file: the same tokens
    tokens = lambda sdf: sorted(r["email"] for r in sdf.select("email").collect())  # noqa: E731
    assert tokens(masked) == tokens(local) and not set(raw["email"]) & set(tokens(masked))
    loaded = [r.payload for r in _events(privacy) if r.event == "dataset_loaded"]
    assert loaded[0]["source"] == uri and len(loaded[0]["content_sha256"]) == 64

    privacy.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    opened = unmask_spark(privacy, masked, ["email"]).orderBy("id").toPandas()
    assert opened["email"].tolist() == raw["email"].tolist()
    part = next(folder.glob("part-*.parquet"))
    checksum = part.with_name(f".{part.name}.crc")  # Hadoop's local file system checks it on read
    checksum.rename(tmp_path / "kept.crc")
    pd.read_parquet(part).assign(balance=-1.0).to_parquet(part, index=False)
    with pytest.raises(LoadError, match="changed since it was loaded"):
        unmask_spark(privacy, masked, ["email"])
    (tmp_path / "kept.crc").rename(checksum)  # now the file fails its checksum: it cannot be checked
    with pytest.raises(LoadError, match="cannot be checked against what was loaded"):
        unmask_spark(privacy, masked, ["email"])
    assert len([r for r in _events(privacy) if r.event == "unmask_granted"]) == 1


def test_a_missing_file_system_uri_is_one_clear_error(
    spark: Any, privacy: PrivacySession, tmp_path: Path
) -> None:
    with pytest.raises(LoadError, match="no such file or folder") as caught:
        load_spark(privacy, (tmp_path / "nowhere").as_uri(), spark=spark)
    assert "Traceback" not in str(caught.value) and "Py4J" not in str(caught.value)
    ledger = privacy.policy.log.resolved_path()
    assert not ledger.exists() or not [r for r in _events(privacy) if r.event == "dataset_loaded"]


@pytest.mark.parametrize("by_uri", [False, True])
def test_the_content_hash_covers_partition_folders_and_skips_what_spark_skips(
    spark: Any, privacy: PrivacySession, crm: tuple[Path, pd.DataFrame], tmp_path: Path, by_uri: bool
) -> None:
    """Renaming a partition folder changes the data Spark reads (its rows' ``year``): the unmask is refused.
    A job's leftover ``_temporary`` folder is not read by Spark: the unmask goes ahead."""
    _path, raw = crm
    folder = tmp_path / "crm_by_year"
    spark.createDataFrame(raw.assign(year=[2024, 2025] * 250)).write.partitionBy("year").parquet(str(folder))
    masked = load_spark(privacy, folder.as_uri() if by_uri else folder, spark=spark)
    privacy.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    leftover = folder / "_temporary" / "0" / "part-00009.parquet"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"an unfinished job's file")
    assert unmask_spark(privacy, masked, ["email"]).count() == 500
    (folder / "year=2024").rename(folder / "year=2023")
    with pytest.raises(LoadError, match="changed since it was loaded"):
        unmask_spark(privacy, masked, ["email"])


def test_a_source_inside_a_hidden_folder_is_hashed(
    spark: Any, privacy: PrivacySession, crm: tuple[Path, pd.DataFrame], tmp_path: Path
) -> None:
    """A folder under ``~/.cache/...``: its part files are data (only names inside the source are hidden)."""
    _path, raw = crm
    folder = tmp_path / ".cache" / "crm_parts"
    spark.createDataFrame(raw).repartition(2).write.parquet(str(folder))
    masked = load_spark(privacy, folder, spark=spark)  # the format found from its part files
    privacy.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    _rewrite_a_part(folder)
    with pytest.raises(LoadError, match="changed since it was loaded"):
        unmask_spark(privacy, masked, ["email"])


def test_a_frame_read_from_a_folder_with_a_space_is_governed_and_guarded(
    spark: Any, privacy: PrivacySession, crm: tuple[Path, pd.DataFrame], tmp_path: Path
) -> None:
    """``inputFiles()`` gives %-encoded URIs (``my%20data``): the files are still found and hashed."""
    _path, raw = crm
    folder = tmp_path / "my data"
    spark.createDataFrame(raw).repartition(2).write.parquet(str(folder))
    masked = govern_spark_frame(privacy, spark.read.parquet(str(folder)))
    privacy.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    assert unmask_spark(privacy, masked, ["email"]).count() == 500
    _rewrite_a_part(folder)
    with pytest.raises(LoadError, match="changed since it was loaded"):
        unmask_spark(privacy, masked, ["email"])


def test_a_password_in_a_uri_is_not_quoted(spark: Any, privacy: PrivacySession) -> None:
    with pytest.raises(LoadError) as caught:
        load_spark(privacy, "s3a://AKIAEXAMPLE:wJalrXUtnFEMIsecret@bucket/crm/", spark=spark)
    assert "wJalrXUtnFEMIsecret" not in str(caught.value) and "s3a://AKIAEXAMPLE:***@bucket/crm/" in str(
        caught.value
    )


def test_a_table_that_gained_a_file_is_refused(
    spark: Any, privacy: PrivacySession, crm: tuple[Path, pd.DataFrame], tmp_path: Path
) -> None:
    """The unmask re-reads the table, so the check hashes the files the table has now: a part file
    added to its location (and the table refreshed) is a change, not rows that were never loaded."""
    path, raw = crm
    folder = tmp_path / "crm_table"
    spark.createDataFrame(raw).repartition(2).write.parquet(str(folder))
    spark.sql(f"CREATE TABLE crm_grown USING parquet LOCATION '{folder.as_uri()}'")
    try:
        masked = load_spark(privacy, table="crm_grown", spark=spark)
        privacy.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
        (folder / "part-99999.parquet").write_bytes(path.read_bytes())  # 500 more rows
        spark.sql("REFRESH TABLE crm_grown")
        with pytest.raises(LoadError, match="changed since it was loaded"):
            unmask_spark(privacy, masked, ["email"])
    finally:
        spark.sql("DROP TABLE crm_grown")


def test_a_glob_pattern_loads_the_files_it_matches_and_guards_them(
    spark: Any, privacy: PrivacySession, crm: tuple[Path, pd.DataFrame], tmp_path: Path
) -> None:
    """``events/2026-*/`` as Spark reads it (a local path or a file-system URI): the matched folders'
    files are read, hashed and guarded; a file that starts to match later refuses the unmask."""
    _path, raw = crm
    root = tmp_path / "events"
    for month, rows in (("2025-12", raw[:100]), ("2026-01", raw[100:300]), ("2026-02", raw[300:])):
        (root / month).mkdir(parents=True)
        rows.to_parquet(root / month / "part-0.parquet", index=False)
    (root / "2026-01" / "_SUCCESS").touch()
    by_path = load_spark(privacy, str(root / "2026-*"), spark=spark)
    by_uri = load_spark(privacy, f"{root.as_uri()}/2026-0[12]/*.parquet", spark=spark)
    assert by_path.count() == by_uri.count() == 400
    loaded = [r.payload for r in _events(privacy) if r.event == "dataset_loaded"]
    assert loaded[0]["source"] == f"file:{root.as_posix()}/2026-*"
    assert loaded[0]["content_sha256"] == loaded[1]["content_sha256"]  # same files, same names below events/

    privacy.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    opened = unmask_spark(privacy, by_path, ["email"]).orderBy("id").toPandas()
    assert opened["email"].tolist() == raw["email"][100:].tolist()
    (root / "2026-03").mkdir()
    raw[:5].to_parquet(root / "2026-03" / "part-0.parquet", index=False)
    with pytest.raises(LoadError, match="changed since it was loaded"):
        unmask_spark(privacy, by_path, ["email"])


def test_a_glob_that_matches_nothing_is_one_clear_error(
    spark: Any, privacy: PrivacySession, tmp_path: Path
) -> None:
    for source in (str(tmp_path / "2031-*"), f"{tmp_path.as_uri()}/2031-*/*.parquet"):
        with pytest.raises(LoadError, match="no file or folder matches this pattern") as caught:
            load_spark(privacy, source, spark=spark)
        assert "Traceback" not in str(caught.value)
    ledger = privacy.policy.log.resolved_path()
    assert not ledger.exists() or not [r for r in _events(privacy) if r.event == "dataset_loaded"]


def test_a_name_with_glob_characters_is_hashed_as_spark_reads_it(
    spark: Any, privacy: PrivacySession, crm: tuple[Path, pd.DataFrame], tmp_path: Path
) -> None:
    """Spark reads an existing folder ``d[1]`` as the pattern it is (``d1``): the content hash must cover
    the files Spark reads, so a change to them refuses the unmask."""
    _path, raw = crm
    (tmp_path / "d[1]").mkdir()
    (tmp_path / "d1").mkdir()
    raw[:10].to_parquet(tmp_path / "d[1]" / "part-0.parquet", index=False)
    raw[10:].to_parquet(tmp_path / "d1" / "part-0.parquet", index=False)
    masked = load_spark(privacy, tmp_path / "d[1]", spark=spark)
    assert masked.count() == 490  # what Spark reads: d1
    privacy.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    assert unmask_spark(privacy, masked, ["email"]).count() == 490
    raw[10:20].to_parquet(tmp_path / "d1" / "part-0.parquet", index=False)
    with pytest.raises(LoadError, match="changed since it was loaded"):
        unmask_spark(privacy, masked, ["email"])


def test_a_table_with_no_data_files_is_hashed_by_its_rows(
    spark: Any, privacy: PrivacySession, crm: tuple[Path, pd.DataFrame]
) -> None:
    """A view over in-memory rows (or a JDBC table) has no files to hash: its rows are hashed, so two such
    tables are two datasets, and a change to the rows refuses the unmask (an empty file list hashed to the
    same id for every such table, and the check could never fail)."""
    _path, raw = crm
    spark.createDataFrame(raw[:250]).createOrReplaceTempView("crm_first")
    spark.createDataFrame(raw[250:]).createOrReplaceTempView("crm_second")
    first = load_spark(privacy, table="crm_first", spark=spark)
    second = load_spark(privacy, table="crm_second", spark=spark)
    ids = [first._jupyter_privacy_load.dataset_id, second._jupyter_privacy_load.dataset_id]
    assert ids[0] != ids[1] and sorted(privacy.datasets) == sorted(ids)
    privacy.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    assert unmask_spark(privacy, first, ["email"]).count() == 250
    spark.createDataFrame(raw[:250].assign(balance=-1.0)).createOrReplaceTempView("crm_first")
    with pytest.raises(LoadError, match="changed since it was loaded"):
        unmask_spark(privacy, first, ["email"])
