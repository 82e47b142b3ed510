"""Erasure look-ups: keyed fingerprints per load, log traversal to cells, outputs and models, FP rate."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from jupyter_privacy.ledger import SqliteLedgerStore
from jupyter_privacy.mask.keys import MaskingKey
from jupyter_privacy.mask.tokens import token_for
from jupyter_privacy.records.erasure import SubjectError, erasure_lookup, parse_subject
from jupyter_privacy.records.fingerprints import (
    FingerprintStore,
    build_filter,
    false_positive_rate,
    fingerprint_path,
    item_hashes,
    subject_items,
    token_digests,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _lookup(flow: Any, *subjects: str) -> dict[str, Any]:
    with (
        SqliteLedgerStore(flow.ledger, readonly=True) as store,
        FingerprintStore(fingerprint_path(flow.ledger), readonly=True) as fps,
    ):
        return erasure_lookup(store, fps, MaskingKey(flow.key), [parse_subject(s) for s in subjects])


def test_dataset_loaded_payload_records_the_filter_hash(flow: Any) -> None:
    with SqliteLedgerStore(flow.ledger, readonly=True) as store:
        loads = [r.payload for r in store.records(flow.notebook) if r.event == "dataset_loaded"]
    fp = loads[0]["fingerprints"]
    assert {c["entity"] for c in fp["columns"]} >= {"EMAIL_ADDRESS", "PHONE_NUMBER", "PERSON"}
    assert fp["fp_rate"] < 1e-4 and len(fp["sha256"]) == 64
    with FingerprintStore(fingerprint_path(flow.ledger), readonly=True) as fps:
        bloom = fps.get(fp["sha256"])
    assert bloom is not None and bloom.sha256 == fp["sha256"]  # tamper-evident against the log


def test_a_loaded_person_is_found_with_cells_outputs_and_model(flow: Any) -> None:
    raw = pd.read_csv(EXAMPLES / "data" / "customers.csv")
    orders = pd.read_parquet(EXAMPLES / "data" / "orders.parquet")
    email = next(e for e in raw["email"] if e in set(orders["email"]))  # a customer with orders
    result = _lookup(flow, f"email={email.upper()}")  # e-mails are case-insensitive
    assert result["found"]
    sources = sorted(Path(d["source"]).name for d in result["datasets"])
    assert sources == ["customers.csv", "orders.parquet"]
    assert all(d["filter_verified"] for d in result["datasets"])
    assert {Path(o["path"]).name for o in result["outputs"]} == {"churn_scores.csv", "churn_model.joblib"}
    assert [m["model_class"].rsplit(".", 1)[-1] for m in result["models"]] == ["LogisticRegression"]
    assert {u["event"] for u in result["unmask"]} == {"unmask_denied", "unmask_granted"}
    assert {c["execution_count"] for c in result["cells"]} == {1, 2, 3, 4, 6}
    assert "false positive" in result["false_positive"]["statement"]


def test_names_and_phones(flow: Any) -> None:
    raw = pd.read_csv(EXAMPLES / "data" / "customers.csv", dtype=str)
    row = raw.iloc[7]
    by_name = _lookup(flow, f"name={row['first_name']} {row['last_name']}")
    assert [Path(d["source"]).name for d in by_name["datasets"]] == ["customers.csv"]
    assert by_name["datasets"][0]["matched"][0]["match"] == "name parts"
    by_phone = _lookup(flow, f"phone={row['phone']}")
    assert "customers.csv" in {Path(d["source"]).name for d in by_phone["datasets"]}


def test_absent_people_are_not_found_at_the_stated_rate(flow: Any) -> None:
    n = 3000
    subjects = [f"email=nobody{i}@absent.example" for i in range(n)]
    hits = 0
    with (
        SqliteLedgerStore(flow.ledger, readonly=True) as store,
        FingerprintStore(fingerprint_path(flow.ledger), readonly=True) as fps,
    ):
        key = MaskingKey(flow.key)
        first = erasure_lookup(store, fps, key, [parse_subject(subjects[0])])
        rate = first["false_positive"]["per_load_max"]
        tokens = [("EMAIL_ADDRESS", token_for(s.split("=", 1)[1], key, "EMAIL_ADDRESS")) for s in subjects]
        answers = fps.lookup(subject_items(tokens))
    hits = sum(sum(bits) for bits in answers.values())
    trials = n * len(answers)
    # expected false hits: rate * trials (tiny); allow a generous Poisson bound
    assert hits <= rate * trials + 5 * math.sqrt(rate * trials) + 1
    assert not first["found"]


def test_observed_false_positive_rate_matches_the_formula() -> None:
    key = MaskingKey("c" * 64)
    present = [token_for(f"p{i}@x.org", key, "EMAIL_ADDRESS") for i in range(2000)]
    bloom = build_filter(
        item_hashes(token_digests(present, "EMAIL_ADDRESS"), "EMAIL_ADDRESS"), bits_per_item=5, k=3
    )
    stated = bloom.fp_rate
    assert stated == pytest.approx(false_positive_rate(2000, bloom.m_bits, 3))
    absent = subject_items(
        ("EMAIL_ADDRESS", token_for(f"a{i}@y.org", key, "EMAIL_ADDRESS")) for i in range(20000)
    )
    observed = np.mean([bloom.contains(int(x)) for x in absent])
    sigma = math.sqrt(stated * (1 - stated) / 20000)
    assert abs(observed - stated) < 5 * sigma + 1e-3
    assert all(bloom.contains(int(x)) for x in subject_items(("EMAIL_ADDRESS", t) for t in present[:200]))


def test_other_key_loads_are_reported_unsearchable(flow: Any) -> None:
    with (
        SqliteLedgerStore(flow.ledger, readonly=True) as store,
        FingerprintStore(fingerprint_path(flow.ledger), readonly=True) as fps,
    ):
        result = erasure_lookup(store, fps, MaskingKey("e" * 64), [parse_subject("email=a@b.c")])
    assert result["searched_loads"] == 0 and len(result["unsearchable_loads"]) == 2
    assert "another key" in result["unsearchable_loads"][0]["reason"]


@pytest.mark.parametrize("bad", ["email", "email=", "shoe=42", "lower=x"])
def test_bad_subjects(bad: str) -> None:
    with pytest.raises(SubjectError):
        parse_subject(bad)


def test_a_failing_fingerprint_build_logs_no_message(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from jupyter_privacy.records import fingerprints

    def boom(*_args: object) -> None:
        raise ValueError("could not convert 'dave@example.org'")

    monkeypatch.setattr(fingerprints, "fingerprint_frame", boom)
    out = fingerprints.record_fingerprints(tmp_path / "ledger.sqlite3", None, None, None)
    assert out == {"error": "ValueError while building the fingerprints"}


def test_the_fingerprint_sidecar_is_as_private_as_the_log(flow: Any) -> None:
    sidecar = fingerprint_path(flow.ledger)
    assert (flow.ledger.stat().st_mode & 0o777) == 0o600
    files = [p for p in sidecar.parent.iterdir() if p.name.startswith(sidecar.name)]
    assert sidecar in files
    for path in files:  # the database and its -wal / -shm companions
        assert (path.stat().st_mode & 0o777) == 0o600, path


def test_a_new_fingerprint_store_is_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    import os

    old = os.umask(0o022)
    try:
        path = tmp_path / "fresh" / "deeper" / "ledger.sqlite3.fingerprints"
        with FingerprintStore(path) as fps:
            fps.put(build_filter(np.arange(10, dtype=np.uint64)))
            modes = {p.name: p.stat().st_mode & 0o777 for p in path.parent.iterdir()}
    finally:
        os.umask(old)
    assert modes and set(modes.values()) == {0o600}, modes
    assert (path.parent.stat().st_mode & 0o777) == 0o700
    assert (path.parent.parent.stat().st_mode & 0o777) == 0o700
