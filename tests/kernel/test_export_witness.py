"""`%privacy_export` in an IPython shell checks the chain against the witness's signed checkpoints, like
the CLI and the sidebar export: records deleted after the checkpoint (head moved back) fail the banner."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
import yaml
from IPython.core.interactiveshell import InteractiveShell

from jupyter_privacy.ledger import SqliteLedgerStore
from jupyter_privacy.ledger.witness import generate_keypair, load_private_key, sign_heads

EXAMPLE = Path(__file__).resolve().parents[2] / "examples"


def test_export_in_the_kernel_reports_a_rolled_back_chain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    admin = tmp_path / "admin"
    admin.mkdir()
    generate_keypair(admin / "w.key", admin / "w.pub")
    ledger, checkpoints = tmp_path / "ledger.sqlite3", admin / "checkpoints.jsonl"
    data = yaml.safe_load((EXAMPLE / "privacy_policy.yaml").read_text())
    data["log"] = {"path": str(ledger), "checkpoints": str(checkpoints), "witness_public_key": str(admin / "w.pub")}
    (tmp_path / "policy.yaml").write_text(yaml.safe_dump(data))
    notebook = str(tmp_path / "w.ipynb")
    monkeypatch.setenv("JUPYTER_PRIVACY_POLICY", str(tmp_path / "policy.yaml"))
    monkeypatch.setenv("JUPYTER_PRIVACY_KEY", "e" * 64)
    monkeypatch.setenv("JUPYTER_PRIVACY_NOTEBOOK", notebook)
    monkeypatch.chdir(tmp_path)
    pd.read_csv(EXAMPLE / "data" / "customers.csv").head(50).to_csv(tmp_path / "customers.csv", index=False)
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "jupyter_privacy")
    try:
        ip.run_cell("customers = %privacy_load customers.csv --quiet", store_history=True)
        ip.run_cell("%privacy_purpose churn-model --basis legitimate_interest --ref LIA-2026-014", store_history=True)
        with SqliteLedgerStore(ledger) as store:
            assert {f.kind for f in sign_heads(store, load_private_key(admin / "w.key"), checkpoints)} == {"signed"}
        ip.run_cell("%privacy_export --format json --output good.json", store_history=True)
        with sqlite3.connect(ledger) as con:  # the purpose declaration and the export deleted, head moved back
            con.execute("DROP TRIGGER IF EXISTS records_no_delete")
            con.execute("DELETE FROM records WHERE notebook = ? AND seq > 2", (notebook,))
            (h,) = con.execute("SELECT hash FROM records WHERE notebook = ? AND seq = 2", (notebook,)).fetchone()
            con.execute("UPDATE heads SET seq = 2, hash = ? WHERE notebook = ?", (h, notebook))
        ip.run_cell("%privacy_export --format json --output bad.json", store_history=True)
    finally:
        ip.run_line_magic("unload_ext", "jupyter_privacy")
    good = json.loads((tmp_path / "good.json").read_text("utf-8"))
    assert good["verification"]["ok"] is True and good["verification"]["witness"][0]["kind"] == "signed"
    bad = json.loads((tmp_path / "bad.json").read_text("utf-8"))
    assert bad["verification"]["ok"] is False
    assert [f["kind"] for f in bad["verification"]["witness"]] == ["rolled_back"]
