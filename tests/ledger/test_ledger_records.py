"""Record format, canonical JSON and the hash formula, recomputed independently with hashlib."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import pytest

from jupyter_privacy.ledger import (
    GENESIS_HASH,
    KNOWN_EVENTS,
    RECORD_FIELDS,
    LedgerRecord,
    SqliteLedgerStore,
    canonical_json,
    compute_hash,
)

POLICY = "ab" * 32


def test_record_fields_exactly() -> None:
    from dataclasses import fields

    assert (
        tuple(f.name for f in fields(LedgerRecord))
        == RECORD_FIELDS
        == (
            "seq",
            "ts",
            "notebook",
            "kernel_id",
            "cell_id",
            "execution_count",
            "code_sha256",
            "event",
            "payload",
            "policy_sha256",
            "prev_hash",
            "hash",
            "user",
            "server",
            "record_version",
        )
    )
    assert GENESIS_HASH == "0" * 64
    assert {
        "session_start",
        "purpose_declared",
        "dataset_loaded",
        "unmask_granted",
        "unmask_denied",
        "output_written",
        "model_trained",
        "record_exported",
        "ungoverned_read",
    } == KNOWN_EVENTS


def test_canonical_json_key_order_and_separators() -> None:
    a = canonical_json({"b": 1, "a": [1, 2, {"z": None, "y": True}], "c": 1.5})
    b = canonical_json({"c": 1.5, "a": [1, 2, {"y": True, "z": None}], "b": 1})
    assert a == b == b'{"a":[1,2,{"y":true,"z":null}],"b":1,"c":1.5}'


def test_canonical_json_unicode_is_utf8_not_escaped() -> None:
    out = canonical_json({"naïve": "Zoë 東京 🙂"})
    assert out == '{"naïve":"Zoë 東京 🙂"}'.encode()
    assert b"\\u" not in out
    # control characters are still escaped as JSON requires
    assert canonical_json("a\nb\x01") == b'"a\\nb\\u0001"'


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, {"x": [1, math.nan]}])
def test_canonical_json_rejects_nan_and_infinity(bad: object) -> None:
    with pytest.raises(ValueError, match="NaN or Infinity"):
        canonical_json(bad)


@pytest.mark.parametrize("bad", [{1: "x"}, {"x": {1, 2}}, {"x": b"bytes"}, {"x": object()}, "\ud800"])
def test_canonical_json_rejects_non_json(bad: object) -> None:
    with pytest.raises(ValueError):
        canonical_json(bad)


def _independent_hash(prev_hash: str, record: dict[str, object]) -> str:
    body = {k: v for k, v in record.items() if k != "hash"}
    data = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(prev_hash.encode() + data).hexdigest()


def test_hash_formula_matches_spec(tmp_path: Path) -> None:
    store = SqliteLedgerStore(tmp_path / "l.sqlite3")
    r1 = store.append(
        "/nb/ä.ipynb",
        "session_start",
        {"kernel": "python3", "ü": [1, 2.5]},
        kernel_id="k1",
        cell_id="c1",
        execution_count=3,
        code_sha256="cd" * 32,
        policy_sha256=POLICY,
    )
    r2 = store.append("/nb/ä.ipynb", "dataset_loaded", {"source": "x.csv"}, policy_sha256=POLICY)
    store.close()
    assert r1.seq == 1 and r1.prev_hash == GENESIS_HASH
    assert r1.hash == _independent_hash(GENESIS_HASH, r1.to_dict())
    assert r2.seq == 2 and r2.prev_hash == r1.hash
    assert r2.hash == _independent_hash(r1.hash, r2.to_dict())
    assert r2.hash == compute_hash(r2.prev_hash, r2.to_dict())  # a "hash" key in the input is ignored
    assert r1.kernel_id == "k1" and r1.execution_count == 3 and r2.kernel_id is None


def test_to_dict_from_dict_roundtrip(tmp_path: Path) -> None:
    store = SqliteLedgerStore(tmp_path / "l.sqlite3")
    rec = store.append(
        "/nb/a.ipynb", "purpose_declared", {"purpose": "churn", "basis": "contract"}, policy_sha256=POLICY
    )
    store.close()
    d = rec.to_dict()
    assert list(d) == list(RECORD_FIELDS)
    assert LedgerRecord.from_dict(d, check_hash=True) == rec
    assert LedgerRecord.from_dict(json.loads(rec.to_json())) == rec
    assert rec.to_json().encode() == canonical_json(d)
    # ISO 8601 UTC with microseconds
    assert rec.ts.endswith("Z") and len(rec.ts.split(".")[1]) == 7
    tampered = {**d, "payload": {"purpose": "other"}}
    with pytest.raises(ValueError, match="hash does not match"):
        LedgerRecord.from_dict(tampered, check_hash=True)
    with pytest.raises(ValueError, match="missing hash"):
        LedgerRecord.from_dict({k: v for k, v in d.items() if k != "hash"})
    with pytest.raises(ValueError, match="unknown extra"):
        LedgerRecord.from_dict({**d, "extra": 1})


def test_event_names_and_payload_validated(tmp_path: Path) -> None:
    store = SqliteLedgerStore(tmp_path / "l.sqlite3")
    assert store.append("/nb/a", "custom_event_2", {}, policy_sha256=POLICY).event == "custom_event_2"
    for bad in ("Session", "2x", "with-dash", "", "a b"):
        with pytest.raises(ValueError, match="invalid event name"):
            store.append("/nb/a", bad, {}, policy_sha256=POLICY)
    with pytest.raises(ValueError, match="NaN"):
        store.append("/nb/a", "dataset_loaded", {"score": math.nan}, policy_sha256=POLICY)
    with pytest.raises(ValueError, match="JSON object"):
        store.append("/nb/a", "dataset_loaded", [1, 2], policy_sha256=POLICY)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="policy_sha256"):
        store.append("/nb/a", "dataset_loaded", {}, policy_sha256="nothex")
    # rejected appends leave no trace and do not consume a seq
    assert [r.seq for r in store.records("/nb/a")] == [1]
    assert store.append("/nb/a", "session_start", {}, policy_sha256=POLICY).seq == 2
    store.close()


def test_payload_is_copied_not_shared(tmp_path: Path) -> None:
    store = SqliteLedgerStore(tmp_path / "l.sqlite3")
    payload = {"cols": ["a"]}
    rec = store.append("/nb/a", "dataset_loaded", payload, policy_sha256=POLICY)
    payload["cols"].append("b")
    assert rec.payload == {"cols": ["a"]}
    assert next(store.records("/nb/a")).payload == {"cols": ["a"]}
    store.close()
