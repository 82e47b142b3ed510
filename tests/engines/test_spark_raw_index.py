"""The raw-value index of a Spark unmask, built by Spark (real local SparkSession): every value handed
out is indexed in the form a page shows it, so a saved notebook can leave it out, as for pandas."""

from __future__ import annotations

import contextlib
import datetime
import io
import json
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from test_spark_load import _secrets

from jupyter_privacy.engines.spark.raw_index import spark_raw_index
from jupyter_privacy.kernel.session import Grant, PrivacySession
from jupyter_privacy.kernel.spark_load import load_spark
from jupyter_privacy.kernel.spark_unmask import unmask_spark
from jupyter_privacy.ledger import SqliteLedgerStore
from jupyter_privacy.mask.raw_index import Fingerprinter, RawValueIndex, indexes_in

N = 5000


def _people() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {
            "customer_id": np.arange(N),
            "email": [f"person.{i}@example.org" for i in rng.permutation(N)],
            "date_of_birth": (
                pd.Timestamp("1950-01-01") + pd.to_timedelta(rng.integers(0, 20000, N), "D")
            ).date,
            "plan": rng.choice(["basic", "premium"], N),
        }
    )


def test_every_value_handed_out_is_indexed_as_the_page_shows_it(
    spark: Any, privacy: PrivacySession, tmp_path: Path, event_log: Path
) -> None:
    people = _people()
    path = tmp_path / "people"
    path.mkdir()
    for part, rows in enumerate(np.array_split(np.arange(N), 3)):  # partitions: each gives its own rows
        people.iloc[rows].to_parquet(path / f"part-{part}.parquet", index=False)
    handed: list[tuple[Grant, Any]] = []
    privacy.grant_listeners.append(lambda grant, raw: handed.append((grant, raw)))
    masked = load_spark(privacy, path, spark=spark)
    privacy.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    raw = unmask_spark(privacy, masked, ["email"])

    ((grant, index),) = handed
    assert isinstance(index, RawValueIndex) and grant.columns == ["email"]
    fp = Fingerprinter(privacy.key)
    assert all(index.contains_value(v, fp) for v in people["email"])
    shown = raw.select("customer_id", "email").limit(5).toPandas().to_html()  # as a page shows them
    assert indexes_in(shown, {grant.id: index}, fp) == {grant.id}
    assert not index.contains_value("person.5000@example.org", fp)  # a value not in the data
    long = sum(len(v) > 20 for v in people["email"])  # also as show() cuts them: person.1234@exampl
    assert len(index) == N + long
    # a date column's values as a page shows them (2026-01-31), not as pandas prints a timestamp
    dates = spark_raw_index(spark.read.parquet(str(path)), ["date_of_birth"], privacy.key)
    assert all(dates.contains_value(str(d), fp) for d in people["date_of_birth"])
    # each date also as its digits written together (19510619), as the pandas path indexes it
    # and as a printed Row shows it: datetime.date(1951, 6, 19)
    assert len(dates) == 3 * people["date_of_birth"].nunique() and dates.lengths == (1, 3, 5)
    store = SqliteLedgerStore(privacy.policy.log.resolved_path(), readonly=True)
    (granted,) = [r for r in store.records(privacy.notebook) if r.event == "unmask_granted"]
    assert granted.payload["grant"] == grant.id
    # the index job's function holds the key: never in its plan, the event log or the ledger
    logs = "".join(p.read_text("utf-8", errors="replace") for p in event_log.rglob("*") if p.is_file())
    assert "jp_raw_index" in logs  # the event log holds the index job's plan
    ledger = json.dumps([r.payload for r in store.records(privacy.notebook)])
    for secret in _secrets(privacy.key.secret):
        assert secret not in logs and secret not in ledger


def _shown(action: Any) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        action()
    return out.getvalue()


def test_odd_types_are_found_as_show_topandas_and_collect_print_them(
    spark: Any, privacy: PrivacySession
) -> None:
    """show() cuts cells to 20 characters, prints a timestamp in the session's zone, nested values as
    [a, b], {k -> v}, {a, b} and bytes as hex; one element of an array is printed alone."""
    schema = (
        "name string, ts timestamp, tags array<string>, info struct<first: string, mail: string>, "
        "phones map<string, string>, photo binary"
    )
    row = (
        "Annabelle Richardson-Smith",
        datetime.datetime(1980, 5, 17, 14, 30, tzinfo=datetime.timezone.utc),
        ["ann.lee@example.org", "bob.k@example.org"],
        ("Marguerite", "marg.q@example.org"),
        {"home": "+31 6 12345678"},
        bytearray(b"secret-bytes"),
    )
    frame = spark.createDataFrame([row], schema)
    fp = Fingerprinter(privacy.key)
    zone = spark.conf.get("spark.sql.session.timeZone")
    spark.conf.set("spark.sql.session.timeZone", "Europe/Amsterdam")  # not this machine's zone
    try:
        for column in frame.columns:
            index = {"g": spark_raw_index(frame, [column], privacy.key)}
            one = frame.select(column)
            for shown in [
                _shown(one.show),
                _shown(partial(one.show, truncate=False)),
                one.toPandas().to_html(),
                repr(one.toPandas()),
                str(one.collect()[0][0]),
                repr(one.collect()),  # a printed Row: datetime.datetime(1980, 5, 17, 16, 30)
            ]:
                assert indexes_in(shown, index, fp) == {"g"}, (column, shown)
        tags = {"g": spark_raw_index(frame, ["tags"], privacy.key)}
        assert indexes_in(str(frame.collect()[0].tags[1]), tags, fp) == {"g"}  # one element alone
    finally:
        spark.conf.set("spark.sql.session.timeZone", zone)


@pytest.mark.parametrize("engine", ["pandas", "spark"])
def test_a_grant_whose_index_cannot_be_stored_is_refused_and_not_logged(
    spark: Any, privacy: PrivacySession, tmp_path: Path, engine: str
) -> None:
    from jupyter_privacy.kernel.errors import UnmaskDenied
    from jupyter_privacy.kernel.raw_outputs import RawOutputs
    from jupyter_privacy.records.raw_grants import grants_dir

    people = _people().head(50)
    path = tmp_path / "people.parquet"
    people.to_parquet(path, index=False)
    RawOutputs(privacy, None).install()  # the kernel's listener: stores each grant's index beside the log
    masked = load_spark(privacy, path, spark=spark) if engine == "spark" else privacy.load(path)
    privacy.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    grants_dir(privacy.policy.log.resolved_path()).write_text("a file where the index folder goes")
    with pytest.raises(UnmaskDenied, match="the raw values cannot be handed out: their fingerprints"):
        if engine == "spark":
            unmask_spark(privacy, masked, ["email"])
        else:
            privacy.unmask(masked, ["email"])
    store = SqliteLedgerStore(privacy.policy.log.resolved_path(), readonly=True)
    assert [r.event for r in store.records(privacy.notebook) if r.event.startswith("unmask")] == []
    assert privacy.grants == []


def test_a_column_of_lists_is_indexed_by_its_text(privacy: PrivacySession) -> None:
    from jupyter_privacy.kernel.raw_outputs import RawOutputs

    outputs = RawOutputs(privacy, None)
    grant = Grant("ds-000000000000", ["emails"], "churn-model")
    outputs.on_grant(grant, pd.DataFrame({"emails": [["ann.smith@example.org", "a.s@example.net"], []]}))
    shown = pd.DataFrame({"emails": [["ann.smith@example.org", "a.s@example.net"]]}).to_html()
    assert indexes_in(shown, outputs.indexes, outputs.fp) == {grant.id}
