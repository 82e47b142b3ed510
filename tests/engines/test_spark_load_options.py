"""Options of a governed Spark load against a real local SparkSession: ``columns`` (data minimisation,
as for pandas), options the engine does not use refused, and no PySpark pandas-version warning from the
package's own calls."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import jupyter_privacy
from jupyter_privacy.engines.spark.quiet import PANDAS_WARNING
from jupyter_privacy.kernel.errors import LoadError
from jupyter_privacy.kernel.session import PrivacySession
from jupyter_privacy.kernel.spark_load import load_spark
from jupyter_privacy.kernel.spark_unmask import unmask_spark
from jupyter_privacy.ledger import SqliteLedgerStore
from jupyter_privacy.records.fingerprints import fingerprint_path

PURPOSE = ("churn-model", "legitimate_interest", "LIA-2026-014")
PEOPLE = pd.DataFrame(
    {
        "customer_id": [1, 2, 3, 4],
        "email": [
            "ann.smith@example.org",
            "bob.jones@example.org",
            "cas.brown@example.org",
            "d.o@example.org",
        ],
        "phone": ["+44 20 7946 0958", "+44 20 7946 0959", "+44 20 7946 0960", "+44 20 7946 0961"],
        "plan": ["basic", "premium", "basic", "basic"],
    }
)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "people.parquet"
    PEOPLE.to_parquet(path, index=False)
    return path


def _events(privacy: PrivacySession) -> list[str]:
    if not privacy.policy.log.resolved_path().exists():
        return []  # nothing was ever logged
    store = SqliteLedgerStore(privacy.policy.log.resolved_path(), readonly=True)
    try:
        return [r.event for r in store.records(privacy.notebook)]
    finally:
        store.close()


def test_columns_reads_only_those_and_the_unmask_keeps_them(
    spark: Any, privacy: PrivacySession, source: Path
) -> None:
    masked = load_spark(privacy, source, columns=["plan", "email"], spark=spark)
    assert masked.columns == ["plan", "email"]
    (dataset,) = privacy.datasets.values()
    assert [f.name for f in dataset.scan.flagged()] == ["email"]  # phone was never read, so never scanned
    assert dataset.shape == (4, 2)
    assert all(v.endswith("@masked.invalid") for v in masked.toPandas()["email"])
    privacy.declare_purpose(*PURPOSE)
    raw = unmask_spark(privacy, masked, ["email"])
    assert raw.columns == ["plan", "email"]
    assert raw.toPandas()["email"].tolist() == PEOPLE["email"].tolist()


def test_an_unknown_column_is_one_clear_error_and_nothing_is_logged(
    spark: Any, privacy: PrivacySession, source: Path
) -> None:
    with pytest.raises(LoadError) as err:
        load_spark(privacy, source, columns=["email", "mail"], spark=spark)
    assert "no column(s) 'mail' in this source (4 columns); did you mean 'email'?" in str(err.value)
    with pytest.raises(
        LoadError, match=re.escape("no column(s) 'EMAIL' in this source (4 columns); did you mean 'email'")
    ):
        load_spark(privacy, source, columns=["EMAIL"], spark=spark)  # Spark's names are not case-sensitive
    with pytest.raises(LoadError, match="--columns names no column"):
        load_spark(privacy, source, columns=[], spark=spark)  # as for pandas; it logged a frame of nothing
    assert "dataset_loaded" not in _events(privacy)
    assert privacy.datasets == {}


def test_an_unknown_column_of_a_file_without_a_header_row_shows_no_value(
    spark: Any, privacy: PrivacySession, tmp_path: Path
) -> None:
    """The first row is read as the names: a person's e-mail and name (both engines)."""
    headerless = tmp_path / "contacts.csv"
    headerless.write_text("ann.smith@example.org,Ann Smith\nbob.jones@example.org,Bob Jones\n")
    with pytest.raises(LoadError) as spark_err:
        load_spark(privacy, headerless, columns=["email"], spark=spark)
    with pytest.raises(LoadError) as pandas_err:
        privacy.load(headerless, columns=["email"])
    for err in (spark_err, pandas_err):
        message = str(err.value)
        assert "no column(s) 'email'" in message and "(2 columns)" in message, message
        assert "ann.smith" not in message and "Ann Smith" not in message, message
    assert "dataset_loaded" not in _events(privacy)


def test_the_api_takes_columns_and_refuses_what_the_engine_does_not_use(
    spark: Any, privacy: PrivacySession, source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("jupyter_privacy.kernel.session._SESSION", privacy)  # the API's session
    assert jupyter_privacy.load(str(source), engine="spark", spark=spark, columns=["email"]).columns == [
        "email"
    ]
    assert list(jupyter_privacy.load(str(source), columns=["plan"]).columns) == ["plan"]
    with pytest.raises(ValueError, match="sheet=, sql= and con= are not used with engine='spark'"):
        jupyter_privacy.load(str(source), engine="spark", sheet=1, spark=spark)
    with pytest.raises(ValueError, match="table: only used with engine='spark'"):
        jupyter_privacy.load(str(source), table="people")
    with pytest.raises(ValueError, match="with sql=, name the columns in the query"):
        jupyter_privacy.load(sql="select 1", con="sqlite://", columns=["a"])
    assert _events(privacy).count("dataset_loaded") == 2


def test_an_api_load_error_shows_a_file_named_by_a_person_by_its_token(
    spark: Any, privacy: PrivacySession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As %privacy_load shows it (and as it is logged): the API's errors quoted the path as given."""
    monkeypatch.setattr("jupyter_privacy.kernel.session._SESSION", privacy)
    named = tmp_path / "ann.smith@example.org.csv"
    named.write_text("customer_id,plan\n1,basic\n")
    for engine in ("spark", "pandas"):
        options = {"spark": spark} if engine == "spark" else {}
        with pytest.raises(LoadError) as err:
            jupyter_privacy.load(str(named), engine=engine, columns=["email"], **options)
        assert "no column(s) 'email'" in str(err.value) and "ann.smith" not in str(err.value), str(err.value)
        with pytest.raises(LoadError) as err:
            jupyter_privacy.load(tmp_path / "Ann Smith" / "x.csv", engine=engine, **options)  # a Path
        assert "Ann Smith" not in str(err.value), str(err.value)
    assert "dataset_loaded" not in _events(privacy)


def test_a_csv_without_a_header_row_is_read_as_data_as_for_pandas(
    spark: Any, privacy: PrivacySession, tmp_path: Path
) -> None:
    """Spark took its first person's e-mail and phone as the column names: shown raw in every display
    of the masked frame, and that person's row was missing. Now columns column_1, ... as pandas names
    them, and the first row is data (masked)."""
    headerless = tmp_path / "contacts.csv"
    headerless.write_text(
        "".join(f"{e},{p}\n" for e, p in zip(PEOPLE["email"], PEOPLE["phone"], strict=True))
    )
    masked = load_spark(privacy, headerless, spark=spark)
    assert masked.columns == ["column_1", "column_2"]
    shown = masked.toPandas()
    assert len(shown) == 4 and not set(shown["column_1"]) & set(PEOPLE["email"])
    (loaded,) = [
        r
        for r in SqliteLedgerStore(privacy.policy.log.resolved_path(), readonly=True).records(
            privacy.notebook
        )
        if r.event == "dataset_loaded"
    ]
    assert [f["name"] for f in loaded.payload["findings"]] == ["column_1", "column_2"]
    privacy.declare_purpose(*PURPOSE)
    raw = unmask_spark(privacy, masked, ["column_1"])  # the unmask re-reads it the same way
    assert raw.toPandas()["column_1"].tolist() == PEOPLE["email"].tolist()


def test_no_pandas_version_warning_from_the_package(
    spark: Any, privacy: PrivacySession, source: Path
) -> None:
    if int(pd.__version__.split(".")[0]) < 3:
        pytest.skip("PySpark warns only with pandas 3 or later")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        masked = load_spark(privacy, source, spark=spark)
        masked.collect()  # masking runs (on the executors: their warnings stay in their processes)
        privacy.declare_purpose(*PURPOSE)
        unmask_spark(privacy, masked, ["email"]).collect()
    assert [str(w.message) for w in caught if PANDAS_WARNING in str(w.message)] == []


@pytest.mark.parametrize("engine", ["pandas", "spark"])
def test_a_load_whose_fingerprints_fail_says_so(
    spark: Any, privacy: PrivacySession, source: Path, engine: str
) -> None:
    ledger = privacy.policy.log.resolved_path()
    fingerprint_path(ledger).mkdir(parents=True)  # the sidecar store cannot be opened
    with pytest.warns(UserWarning) as caught:
        if engine == "spark":
            load_spark(privacy, source, spark=spark)
        else:
            privacy.load(source)
    (message,) = [str(w.message) for w in caught if "fingerprints" in str(w.message)]
    assert message == (
        f"{source}: its erasure fingerprints could not be built (OperationalError while building the "
        "fingerprints); the load works, but an erasure look-up will list it as not searchable"
    )
    assert _events(privacy).count("dataset_loaded") == 1  # the load itself worked and was logged


def test_an_unmask_of_a_name_that_is_a_value_does_not_echo_it(
    spark: Any, privacy: PrivacySession, source: Path
) -> None:
    from jupyter_privacy.kernel.errors import UnmaskDenied

    masked = load_spark(privacy, source, spark=spark)
    privacy.declare_purpose(*PURPOSE)
    with pytest.raises(UnmaskDenied) as err:
        unmask_spark(privacy, masked, ["ann.smith@example.org"])  # a value typed where a name goes
    assert str(err.value).startswith("no column(s) 'EMAIL_") and "ann.smith" not in str(err.value)
