"""The Art. 30 record built from the simulated example notebook: fields, schema, HTML, tampering."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from screens import screenshot_dir

from jupyter_privacy.ledger import SqliteLedgerStore
from jupyter_privacy.records.article30 import build_record, load_schema, render

ROOT = Path(__file__).resolve().parents[2]


def _record(flow: Any, ledger: Path | None = None) -> dict:
    with SqliteLedgerStore(ledger or flow.ledger, readonly=True) as store:
        return build_record(store, flow.loaded, [flow.notebook])


def test_every_art30_field_has_the_right_values(flow: Any) -> None:
    rec = _record(flow)
    assert rec["verification"]["ok"] is True and rec["verification"]["problem"] is None
    assert rec["controller"]["name"] == "Example Retail B.V."
    assert rec["controller"]["contact"] == "privacy@example-retail.nl"
    assert rec["dpo"]["contact"] == "dpo@example-retail.nl"
    [purpose] = rec["purposes"]
    assert purpose["id"] == "churn-model"
    assert purpose["lawful_bases"] == [
        {
            "basis": "legitimate_interest",
            "dpv": "dpv:LegitimateInterest",
            "article": "GDPR Art. 6(1)(f)",
            "reference": "LIA-2026-014",
        }
    ]
    assert rec["data_subjects"] == ["customers"]
    assert rec["recipients"] == ["marketing analytics team"]
    assert rec["retention"] == [{"purpose": "churn-model", "retention": "P2Y"}]
    cats = {c["entity"]: c for c in rec["personal_data_categories"]}
    assert cats["EMAIL_ADDRESS"]["dpv"] == "pd:EmailAddress"
    assert cats["PHONE_NUMBER"]["dpv"] == "pd:TelephoneNumber"
    assert cats["PERSON"]["dpv"] == "pd:Name"
    assert cats["DATE_OF_BIRTH"]["category"] == "quasi"
    assert rec["special_categories"] == []  # the example data holds none
    tm = rec["technical_measures"]
    assert tm["strategies"]["pseudonymise"] >= 4 and tm["strategies"]["generalise"] >= 1
    assert len(tm["key_ids"]) == 1 and tm["key_ids"][0].startswith("kid-")
    ev = rec["evidence"]
    assert [Path(d["source"]).name for d in ev["datasets"]] == ["customers.csv", "orders.parquet"]
    assert all(len(d["content_sha256"]) == 64 and d["cell"]["code_sha256"] for d in ev["datasets"])
    assert [d["cell"]["execution_count"] for d in ev["datasets"]] == [1, 2]
    assert [u["decision"] for u in ev["unmask"]] == ["denied", "granted"]
    assert ev["unmask"][1]["reference"] == "LIA-2026-014"
    assert {Path(o["path"]).name for o in ev["outputs"]} == {"churn_scores.csv", "churn_model.joblib"}
    assert all(set(o["datasets"]) == {d["dataset"] for d in ev["datasets"]} for o in ev["outputs"])
    [model] = ev["models"]
    assert model["model_class"].endswith("LogisticRegression") and len(model["datasets"]) == 2
    with SqliteLedgerStore(flow.ledger, readonly=True) as store:
        head = store.head(flow.notebook)
    assert head is not None and rec["verification"]["chains"][0]["head_hash"] == head.hash
    text = json.dumps(rec)
    assert flow.key not in text  # the key never appears, only its id


def test_json_validates_against_the_shipped_schema(flow: Any) -> None:
    text, mime = render(_record(flow), "json")
    assert mime == "application/json"
    jsonschema.Draft202012Validator.check_schema(load_schema())
    jsonschema.validate(json.loads(text), load_schema())


def test_csv_is_a_table_of_fields(flow: Any) -> None:
    text, mime = render(_record(flow), "csv")
    assert mime == "text/csv"
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0] == {"section": "verification", "item": "log", "field": "ok", "value": "true"}
    assert {
        "controller",
        "dpo",
        "purpose",
        "personal_data",
        "retention",
        "technical_measures",
        "dataset",
        "output",
        "model",
        "unmask",
    } <= {r["section"] for r in rows}


def test_html_is_self_contained_and_printable(flow: Any) -> None:
    text, mime = render(_record(flow), "html")
    assert mime == "text/html"
    assert "@media print" in text and "Processing log verified" in text
    for external in ("<script", "<link", "src=", "http://", "url("):
        assert external not in text
    assert "LIA-2026-014" in text and "Example Retail B.V." in text


@pytest.fixture
def tampered(flow: Any, tmp_path: Path) -> Path:
    copy = tmp_path / "ledger.sqlite3"
    src = sqlite3.connect(flow.ledger)
    con = sqlite3.connect(copy)
    src.backup(con)
    src.close()
    con.execute("DROP TRIGGER records_no_update")
    row = con.execute("SELECT payload FROM records WHERE event = 'purpose_declared'").fetchone()
    payload = json.loads(row[0])
    payload["reference"] = "LIA-2099-999"
    con.execute("UPDATE records SET payload = ? WHERE event = 'purpose_declared'", (json.dumps(payload),))
    con.commit()
    con.close()
    return copy


def test_tampered_log_is_reported_loudly(flow: Any, tampered: Path) -> None:
    rec = _record(flow, tampered)
    assert rec["verification"]["ok"] is False
    assert "edited" in rec["verification"]["problem"] or "was edited" in rec["verification"]["problem"]
    jsonschema.validate(rec, load_schema())
    html_text, _ = render(rec, "html")
    assert "WARNING: THE PROCESSING LOG FAILED VERIFICATION" in html_text and "banner bad" in html_text
    csv_text, _ = render(rec, "csv")
    assert csv_text.splitlines()[0].startswith("# WARNING: PROCESSING LOG FAILED VERIFICATION")


def test_screenshot_of_the_html_export(flow: Any, tmp_path: Path) -> None:
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    page_file = tmp_path / "record.html"
    page_file.write_text(render(_record(flow), "html")[0], "utf-8")
    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
    ]
    target = screenshot_dir() / "article30-export.png"
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=args, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 1400})
            page.goto(page_file.as_uri())
            assert "Record of processing activities" in page.inner_text("h1")
            assert page.locator(".banner.good").count() == 1
            page.screenshot(path=str(target), full_page=False)
            page.emulate_media(media="print")
            assert page.locator("table").count() >= 5
        finally:
            browser.close()
    assert target.stat().st_size > 10_000
