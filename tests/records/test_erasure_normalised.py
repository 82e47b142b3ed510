"""Erasure look-ups match however an identifier was typed: phones as E.164, ids without separators,
names by case and spacing -- at fingerprint time and at look-up time. Filters of the older exact scheme
are still searched. Logs written by a real PrivacySession."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from faker import Faker

from jupyter_privacy.kernel.context import CellContext
from jupyter_privacy.kernel.session import PrivacySession
from jupyter_privacy.ledger import SqliteLedgerStore
from jupyter_privacy.mask.keys import MaskingKey
from jupyter_privacy.mask.normalise import normalise_one
from jupyter_privacy.mask.tokens import token_for
from jupyter_privacy.policy import load_policy
from jupyter_privacy.records.erasure import erasure_lookup, parse_subject, render_text
from jupyter_privacy.records.fingerprints import (
    SCHEME_EXACT,
    FingerprintStore,
    build_filter,
    fingerprint_path,
    item_hashes,
    token_digests,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
KEY = "4d" * 32


@dataclass
class Logged:
    ledger: Path
    notebook: str


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Logged]:
    tmp = tmp_path_factory.mktemp("normalised")
    fake = Faker("nl_NL")
    Faker.seed(9)
    rows = [
        {"naam": fake.name(), "email": fake.email(), "telefoon": fake.phone_number(), "bsn": fake.ssn()}
        for _ in range(80)
    ]
    rows[17] = {"naam": "Luuk Visser", "email": "luuk@example.nl", "telefoon": "06-61468628", "bsn": "948219932"}
    csv = tmp / "klanten.csv"
    pd.DataFrame(rows).to_csv(csv, index=False)
    data = yaml.safe_load((EXAMPLES / "privacy_policy.yaml").read_text("utf-8"))
    data["log"]["path"] = str(tmp / "ledger.sqlite3")
    policy = tmp / "privacy_policy.yaml"
    policy.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    mp = pytest.MonkeyPatch()
    mp.setenv("JUPYTER_PRIVACY_KEY", KEY)
    notebook = str(tmp / "klanten.ipynb")
    mp.setenv("JUPYTER_PRIVACY_NOTEBOOK", notebook)
    session = PrivacySession(policy=load_policy(policy))
    try:
        session.cell = CellContext("c1", 1, "klanten = %privacy_load klanten.csv")
        session.load(csv, variable="klanten")
    finally:
        session.close()
        mp.undo()
    yield Logged(tmp / "ledger.sqlite3", notebook)


def lookup(logged: Logged, *subjects: str) -> dict:
    with (
        SqliteLedgerStore(logged.ledger, readonly=True) as store,
        FingerprintStore(fingerprint_path(logged.ledger), readonly=True) as fps,
    ):
        return erasure_lookup(store, fps, MaskingKey(KEY), [parse_subject(s) for s in subjects])


@pytest.mark.parametrize(
    "subject",
    [
        "bsn=948 219 932",
        "bsn=948.219.932",
        "name=luuk visser",
        "name=LUUK   VISSER",
        "phone=0661468628",
        "phone=+31 6 61468628",
        "phone=0031 (0)6-6146 8628",
        "phone=06-61468628",
    ],
)
def test_an_identifier_typed_differently_is_found(logged: Logged, subject: str) -> None:
    result = lookup(logged, subject)
    assert result["found"], render_text(result)
    assert [Path(d["source"]).name for d in result["datasets"]] == ["klanten.csv"]
    assert result["datasets"][0]["matched"][0]["match"] == "value"


@pytest.mark.parametrize("subject", ["bsn=948 219 933", "name=luuk vissers", "phone=0661468629"])
def test_a_different_identifier_is_not_found(logged: Logged, subject: str) -> None:
    result = lookup(logged, subject)
    assert not result["found"]
    text = render_text(result)
    assert "NO MATCH" in text and "not proof" in text and "NOT FOUND" not in text


def test_the_phone_region_is_recorded_with_the_fingerprints(logged: Logged) -> None:
    with SqliteLedgerStore(logged.ledger, readonly=True) as store:
        fp = next(r.payload["fingerprints"] for r in store.records(logged.notebook) if r.event == "dataset_loaded")
    assert fp["scheme"] == "jp-bloom-v2"
    phones = [c for c in fp["columns"] if c["entity"] == "PHONE_NUMBER"]
    assert phones and phones[0]["region"] == "NL"
    assert {c["entity"] for c in fp["columns"]} >= {"PERSON", "NL_BSN", "PHONE_NUMBER", "EMAIL_ADDRESS"}


def test_filters_of_the_exact_scheme_are_still_searched(tmp_path: Path) -> None:
    """A sidecar written before normalisation: values keyed as loaded, scheme jp-bloom-v1."""
    key = MaskingKey(KEY)
    ledger = tmp_path / "ledger.sqlite3"
    tokens = [token_for(v, key, "NL_BSN") for v in ("948 219 932", "111222333")]
    bloom = build_filter(item_hashes(token_digests(tokens, "NL_BSN"), "NL_BSN"), scheme=SCHEME_EXACT)
    with FingerprintStore(fingerprint_path(ledger)) as fps:
        sha = fps.put(bloom)
    fingerprints = {"scheme": SCHEME_EXACT, "sha256": sha, "m_log2": bloom.m_log2, "k": bloom.k,
                    "items": bloom.n_items, "fp_rate": bloom.fp_rate,
                    "columns": [{"column": "bsn", "entity": "NL_BSN", "distinct": 2}]}
    with SqliteLedgerStore(ledger) as store:
        store.append(str(tmp_path / "old.ipynb"), "dataset_loaded",
                     {"dataset": "ds-0123456789ab", "source": "/old/klanten.csv", "fingerprints": fingerprints,
                      "masking": {"key_id": key.key_id}, "findings": []}, policy_sha256="0" * 64)
    logged = Logged(ledger, str(tmp_path / "old.ipynb"))
    found = lookup(logged, "bsn=948 219 932")
    assert found["found"] and found["datasets"][0]["filter_verified"]
    assert not lookup(logged, "bsn=948219932")["found"]  # the old scheme matches values as stored only


def test_normalised_forms() -> None:
    assert normalise_one("06-61468628", "PHONE_NUMBER", "NL") == "+31661468628"
    assert normalise_one("+31 (0)6 6146 8628", "PHONE_NUMBER") == "+31661468628"
    assert normalise_one("948 219 932", "NL_BSN") == "948219932"
    assert normalise_one("nl91 abna 0417 1643 00", "IBAN_CODE") == "NL91ABNA0417164300"
    assert normalise_one("  Luuk \t Visser ", "PERSON") == "luuk visser"
    assert normalise_one(" A@B.NL ", "EMAIL_ADDRESS") == "a@b.nl"
    assert np.all([normalise_one(v, "PHONE_NUMBER") == v for v in ("+31661468628",)])
