"""Hostile Spark sources and frames, against a real local SparkSession: a governed frame whose table grew,
column names that are values or need quoting, nested columns, names Spark compares without case."""

from __future__ import annotations

import warnings
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


@pytest.fixture(scope="module")
def people() -> pd.DataFrame:
    Faker.seed(29)
    fake = Faker()
    return pd.DataFrame(
        {
            "id": range(300),
            "email": [fake.unique.email() for _ in range(300)],
            "full_name": [fake.name() for _ in range(300)],
        }
    )


def _events(privacy: PrivacySession) -> list[Any]:
    ledger = privacy.policy.log.resolved_path()
    if not ledger.exists():
        return []
    return list(SqliteLedgerStore(ledger, readonly=True).records(privacy.notebook))


def test_a_governed_table_frame_that_gained_rows_is_refused(
    spark: Any, privacy: PrivacySession, people: pd.DataFrame
) -> None:
    """``jp.govern(spark.table(t))``, then rows inserted into ``t``: the governed frame now reads the new
    file too, so an unmask would hand out raw values of people never loaded (nor logged). The check must
    hash the files the frame reads now, not the list it read at the load."""
    spark.createDataFrame(people[:295]).write.saveAsTable("crm_grows")
    try:
        masked = govern_spark_frame(privacy, spark.table("crm_grows"), source="table:crm_grows")
        privacy.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
        assert unmask_spark(privacy, masked, ["email"]).count() == 295
        spark.createDataFrame(people[295:]).write.insertInto("crm_grows")
        assert masked.count() == 300  # the governed frame reads the new file
        with pytest.raises(LoadError, match="changed since it was loaded"):
            unmask_spark(privacy, masked, ["email"])
        assert len([r for r in _events(privacy) if r.event == "unmask_granted"]) == 1
    finally:
        spark.sql("DROP TABLE crm_grows")


def test_a_frame_with_a_map_column_and_no_files_is_governed_and_guarded(
    spark: Any, privacy: PrivacySession, people: pd.DataFrame
) -> None:
    """A frame with no data files is hashed by its rows; Spark refuses to hash a map, which failed the
    load (and the unmask's check) with Spark's raw AnalysisException."""
    rows = spark.createDataFrame(people).selectExpr("*", "map('tier', 'gold') AS tags")
    masked = govern_spark_frame(privacy, rows, source="in-memory")
    privacy.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    opened = unmask_spark(privacy, masked, ["email"]).orderBy("id").toPandas()
    assert opened["email"].tolist() == people["email"].tolist()
    assert opened["tags"][0] == '[["tier", "gold"]]'  # a map as the pandas path's JSON text of its pairs


@pytest.mark.parametrize("name", ["e`mail", "e.mail", "e-mail address"])
def test_identifiers_under_names_that_need_quoting_are_fingerprinted(
    spark: Any, privacy: PrivacySession, people: pd.DataFrame, name: str
) -> None:
    """PySpark's ``mapInArrow`` re-reads its input's columns by name, unquoted: a backtick or a dot in an
    identifier column's name failed the erasure fingerprints (the load logged 'not searchable')."""
    frame = spark.createDataFrame(people).withColumnRenamed("email", name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the 'not searchable' warning
        govern_spark_frame(privacy, frame, source="renamed")
    (loaded,) = [r.payload for r in _events(privacy) if r.event == "dataset_loaded"]
    assert "error" not in loaded["fingerprints"]
    assert {c["column"]: c["distinct"] for c in loaded["fingerprints"]["columns"]}[name] == 300


def test_a_duplicate_name_that_is_a_value_is_not_quoted(
    spark: Any, privacy: PrivacySession, people: pd.DataFrame
) -> None:
    """Two columns one e-mail address apart in case (a pivot by customer): the refusal names them by token."""
    address = people["email"][0]
    frame = spark.createDataFrame([(1, 2)], f"`{address}` int, `{address.upper()}` int")
    with pytest.raises(LoadError, match="more than one column named") as caught:
        govern_spark_frame(privacy, frame, source="pivot")
    assert address.lower() not in str(caught.value).lower()
    assert not _events(privacy)


def test_a_column_named_by_a_person_is_shown_by_its_token(
    spark: Any, privacy: PrivacySession, people: pd.DataFrame, tmp_path: Path
) -> None:
    """A pivot whose column names are customers' e-mail addresses: the pandas path shows them as tokens;
    the masked Spark frame showed (and ``show()`` printed into the notebook) the raw addresses."""
    address = people["email"][0]
    path = tmp_path / "pivot.parquet"
    people.assign(**{address: range(300)}).to_parquet(path, index=False)
    masked = load_spark(privacy, path, spark=spark)
    assert address not in masked.columns and address not in masked._jdf.schema().treeString()
    token = privacy.labels.label(address)
    assert token != address and token in masked.columns
    privacy.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    opened = unmask_spark(privacy, masked, ["email"]).orderBy("id").toPandas()
    assert opened["email"].tolist() == people["email"].tolist() and address not in opened.columns


def test_nested_columns_are_flattened_masked_and_unmasked_like_pandas(
    spark: Any, privacy: PrivacySession, people: pd.DataFrame, tmp_path: Path
) -> None:
    """A struct, an array and a map of personal data (Parquet written by Spark): the load failed with a
    pandas TypeError. As the pandas path does, a struct's fields become columns (``contact.email``) and
    an array or a map its JSON text (scanned as free text)."""
    folder = tmp_path / "nested"
    spark.createDataFrame(people).selectExpr(
        "id",
        "named_struct('email', email, 'name', full_name, 'since', id + 2000) AS contact",
        "array(email) AS aliases",
        "map('work', email) AS mailboxes",
    ).write.parquet(str(folder))
    masked = load_spark(privacy, folder, spark=spark)
    assert masked.columns == ["id", "contact.email", "contact.name", "contact.since", "aliases", "mailboxes"]
    shown = masked.toPandas()
    for column in ["contact.email", "contact.name", "aliases", "mailboxes"]:
        text = shown[column].str.cat()
        leaked = [v for v in [*people["email"], *people["full_name"]] if v in text]
        assert not leaked, column
    privacy.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    opened = unmask_spark(privacy, masked, ["contact.email"]).orderBy("id").toPandas()
    assert opened["contact.email"].tolist() == people["email"].tolist()
    assert opened["contact.since"].tolist() == [i + 2000 for i in range(300)]
    assert not any(e in opened["aliases"].str.cat() for e in people["email"])


def test_two_governed_frames_of_one_file_keep_their_own_purpose_gate(
    spark: Any, privacy: PrivacySession, people: pd.DataFrame, tmp_path: Path
) -> None:
    """Frames over one file (the same data files, so the same content hash and dataset id), the later ones
    with the phone column blanked or dropped: the unmask of the first must be gated by ITS findings. The
    later load replaced the first's dataset, so the gate read the blanked column (no personal data:
    allowed) and handed out the first frame's raw phone numbers under a purpose that allows only e-mail
    addresses; with the column dropped, the unmask failed with a KeyError."""
    from pyspark.sql import functions as F

    path = tmp_path / "crm.parquet"
    people.assign(ref=[f"+31 6 {12345000 + 7 * i}" for i in range(300)]).to_parquet(path, index=False)
    first = govern_spark_frame(privacy, spark.read.parquet(str(path)), source="crm")
    privacy.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")  # e-mail addresses only
    later = [
        spark.read.parquet(str(path)).withColumn("ref", F.lit("n/a")),
        spark.read.parquet(str(path)).drop("ref"),
    ]
    for frame in later:
        govern_spark_frame(privacy, frame, source="crm again")
        with pytest.raises(UnmaskDenied, match="does not allow raw access to: ref"):
            unmask_spark(privacy, first, ["ref"])
    opened = unmask_spark(privacy, first, ["email"]).orderBy("id").toPandas()
    assert opened["email"].tolist() == people["email"].tolist()
    assert "+31 6 12345000" not in set(opened["ref"])
    granted = [r.payload for r in _events(privacy) if r.event == "unmask_granted"]
    assert [c["name"] for g in granted for c in g["columns"]] == ["email"]


@pytest.mark.parametrize("by_uri", [False, True])
def test_a_partition_folder_starting_with_an_underscore_is_hashed(
    spark: Any, privacy: PrivacySession, people: pd.DataFrame, tmp_path: Path, by_uri: bool
) -> None:
    """Spark skips names starting with ``_`` but not a partition folder (``_shard=1``: it holds a ``=``); the
    content hash skipped it, so a part file rewritten there went unnoticed by the unmask's check."""
    root = tmp_path / "sharded"
    for shard, rows in (("1", people[:150]), ("2", people[150:])):
        (root / f"_shard={shard}").mkdir(parents=True)
        rows.to_parquet(root / f"_shard={shard}" / "part-0.parquet", index=False)
    masked = load_spark(privacy, root.as_uri() if by_uri else root, fmt="parquet", spark=spark)
    assert masked.count() == 300
    privacy.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    people[:150].assign(email="someone.else@example.org").to_parquet(
        root / "_shard=1" / "part-0.parquet", index=False
    )
    with pytest.raises(LoadError, match="changed since it was loaded"):
        unmask_spark(privacy, masked, ["email"])


def test_a_governed_frame_of_files_and_a_database_table_is_guarded_by_its_rows(
    spark: Any, privacy: PrivacySession, people: pd.DataFrame, tmp_path: Path
) -> None:
    """A Parquet file unioned with a JDBC table (Derby, in memory): the frame's only data file was hashed,
    so rows added to the table since passed the unmask's check, and their raw values were handed out."""
    path = tmp_path / "crm.parquet"
    people[:200].to_parquet(path, index=False)
    url = f"jdbc:derby:memory:{tmp_path.name};create=true"
    spark.createDataFrame(people[200:290]).write.jdbc(url, "PEOPLE", mode="overwrite")
    table = spark.read.jdbc(url, "PEOPLE").toDF("id", "email", "full_name")  # Derby's names are upper-case
    masked = govern_spark_frame(privacy, spark.read.parquet(str(path)).unionByName(table), source="mixed")
    privacy.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    assert unmask_spark(privacy, masked, ["email"]).count() == 290
    spark.createDataFrame(people[290:]).write.jdbc(url, "PEOPLE", mode="append")
    with pytest.raises(LoadError, match="changed since it was loaded"):
        unmask_spark(privacy, masked, ["email"])
    assert len([r for r in _events(privacy) if r.event == "unmask_granted"]) == 1


def test_an_unmask_refusal_names_a_source_named_by_a_person_by_its_token(
    spark: Any, privacy: PrivacySession, people: pd.DataFrame, tmp_path: Path
) -> None:
    """A file named after a customer (``exports/<e-mail>.parquet``) changed since the load: the refusal
    quoted the raw path, e-mail address and all (the log names it by its token)."""
    address = people["email"][3]
    path = tmp_path / f"{address}.parquet"
    people.to_parquet(path, index=False)
    masked = load_spark(privacy, path, spark=spark)
    privacy.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    people.assign(full_name="changed").to_parquet(path, index=False)
    with pytest.raises(LoadError, match="changed since it was loaded") as caught:
        unmask_spark(privacy, masked, ["email"])
    assert address not in str(caught.value) and privacy.labels.path(str(path)) in str(caught.value)
    path.unlink()
    with pytest.raises(LoadError, match="cannot be checked") as caught:
        unmask_spark(privacy, masked, ["email"])
    assert address not in str(caught.value)


def test_a_column_of_two_kinds_of_identifier_is_masked_on_spark(
    spark: Any, privacy: PrivacySession, people: pd.DataFrame
) -> None:
    """A ``contact`` column of e-mail addresses and phone numbers, one kind per row: neither kind reached
    the coverage alone, so the column was left raw in the masked frame."""
    contacts = [e if i % 2 else f"+31 6 {12345000 + 7 * i}" for i, e in enumerate(people["email"])]
    frame = spark.createDataFrame(people.assign(contact=contacts))
    masked = govern_spark_frame(privacy, frame, source="contacts").toPandas()
    assert not [c for c in contacts if any(c in v for v in masked["contact"])]
    privacy.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")  # e-mail addresses only
    with pytest.raises(UnmaskDenied, match="PHONE_NUMBER"):
        unmask_spark(privacy, govern_spark_frame(privacy, frame, source="contacts"), ["contact"])


@pytest.mark.parametrize(
    ("columns", "said"), [([], "names no column"), (["email", "email"], "more than once")]
)
def test_an_unmask_of_no_column_or_a_column_twice_is_refused_and_not_logged(
    spark: Any, privacy: PrivacySession, people: pd.DataFrame, columns: list[str], said: str
) -> None:
    """``jp.unmask(sdf, [])`` (or ``--columns ,``) logged a grant of nothing; a column named twice was
    logged twice. Refused as the pandas path refuses them, nothing logged."""
    masked = govern_spark_frame(privacy, spark.createDataFrame(people), source="people")
    privacy.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    with pytest.raises(UnmaskDenied, match=said):
        unmask_spark(privacy, masked, columns)
    assert not [r for r in _events(privacy) if r.event.startswith("unmask")]


@pytest.mark.parametrize("suffix", ["parquet", "csv"])
def test_a_column_filled_only_after_the_first_rows_is_found_and_masked(
    spark: Any, privacy: PrivacySession, tmp_path: Path, suffix: str
) -> None:
    """A ``secondary`` column of e-mail addresses that is empty in the first 3,000 of 5,000 rows (filled in
    later): the Spark sample was the first 1,000 rows (a LIMIT), saw only nulls, and left 2,000 raw
    addresses in the masked frame; the pandas path samples rows at random and masks them."""
    Faker.seed(53)
    fake = Faker()
    addresses = [fake.unique.email() for _ in range(5000)]
    frame = pd.DataFrame({"id": range(5000), "secondary": [None] * 3000 + addresses[3000:]})
    path = tmp_path / f"late.{suffix}"
    frame.to_parquet(path, index=False) if suffix == "parquet" else frame.to_csv(path, index=False)
    masked = load_spark(privacy, path, spark=spark)
    shown = {r["secondary"] for r in masked.select("secondary").collect()}
    assert not shown & set(addresses)
    (loaded,) = [r.payload for r in _events(privacy) if r.event == "dataset_loaded"]
    assert loaded["shape"] == [5000, 2] and loaded["sampled_rows"] <= 1000
