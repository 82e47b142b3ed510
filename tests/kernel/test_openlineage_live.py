"""Live OpenLineage events from a kernel when the policy enables them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
import yaml
from IPython.core.interactiveshell import InteractiveShell

EXAMPLE = Path(__file__).resolve().parents[2] / "examples"


def test_cells_that_load_and_write_emit_events_to_the_jsonl_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = yaml.safe_load((EXAMPLE / "privacy_policy.yaml").read_text())
    data["log"]["path"] = str(tmp_path / "ledger.sqlite3")
    data["openlineage"] = {"enabled": True, "transport": "file", "file": str(tmp_path / "ol.jsonl")}
    (tmp_path / "policy.yaml").write_text(yaml.safe_dump(data))
    monkeypatch.setenv("JUPYTER_PRIVACY_POLICY", str(tmp_path / "policy.yaml"))
    monkeypatch.setenv("JUPYTER_PRIVACY_KEY", "e" * 64)
    monkeypatch.setenv("JUPYTER_PRIVACY_NOTEBOOK", str(tmp_path / "lineage.ipynb"))
    monkeypatch.chdir(tmp_path)
    pd.read_csv(EXAMPLE / "data" / "customers.csv").head(50).to_csv(tmp_path / "customers.csv", index=False)

    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "jupyter_privacy")
    try:
        ip.run_cell("customers = %privacy_load customers.csv --quiet", store_history=True)
        ip.run_cell("x = 1", store_history=True)  # no lineage: nothing new is sent
        ip.run_cell("customers[['email', 'plan']].to_csv('out.csv')", store_history=True)
    finally:
        ip.run_line_magic("unload_ext", "jupyter_privacy")

    events = [json.loads(line) for line in (tmp_path / "ol.jsonl").read_text().splitlines()]
    kinds = [(e["eventType"], e["job"]["name"].rsplit(".", 2)[-2] == "cell") for e in events]
    assert kinds[0] == ("START", False)  # the notebook's parent run, once
    assert kinds.count(("START", True)) == 2 and kinds.count(("COMPLETE", True)) == 2
    assert len({(e["run"]["runId"], e["eventType"]) for e in events}) == len(events)  # nothing sent twice
    load = next(e for e in events if e["eventType"] == "COMPLETE" and e["inputs"] and not e["outputs"])
    tags = load["inputs"][0]["facets"]["tags"]["tags"]
    assert any(t["key"] == "pii" for t in tags)
    written = next(e for e in events if e["outputs"])
    assert written["outputs"][0]["name"].endswith("out.csv")
    text = (tmp_path / "ol.jsonl").read_text()
    raw = pd.read_csv(tmp_path / "customers.csv")
    assert not any(email in text for email in raw["email"])


def test_client_transport_sends_to_the_url_openlineage_users_configure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`transport: client`: the openlineage-python client configured by OPENLINEAGE_URL, a real endpoint."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    received: list[dict[str, object]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    data = yaml.safe_load((EXAMPLE / "privacy_policy.yaml").read_text())
    data["log"]["path"] = str(tmp_path / "ledger.sqlite3")
    data["openlineage"] = {"enabled": True, "transport": "client"}
    (tmp_path / "policy.yaml").write_text(yaml.safe_dump(data))
    monkeypatch.setenv("JUPYTER_PRIVACY_POLICY", str(tmp_path / "policy.yaml"))
    monkeypatch.setenv("JUPYTER_PRIVACY_KEY", "e" * 64)
    monkeypatch.setenv("JUPYTER_PRIVACY_NOTEBOOK", str(tmp_path / "lineage.ipynb"))
    monkeypatch.setenv("OPENLINEAGE_URL", f"http://127.0.0.1:{server.server_address[1]}")
    for name in [k for k in os.environ if k.startswith("OPENLINEAGE__")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    pd.read_csv(EXAMPLE / "data" / "customers.csv").head(50).to_csv(tmp_path / "customers.csv", index=False)
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "jupyter_privacy")
    try:
        ip.run_cell("customers = %privacy_load customers.csv --quiet", store_history=True)
    finally:
        ip.run_line_magic("unload_ext", "jupyter_privacy")
        server.shutdown()
        server.server_close()
        for name in [k for k in os.environ if k.startswith("OPENLINEAGE__")]:
            del os.environ[name]  # the client aliases OPENLINEAGE_URL into these for its process
    assert [e["eventType"] for e in received] == ["START", "START", "COMPLETE"]
    assert any(t["key"] == "pii" for t in received[-1]["inputs"][0]["facets"]["tags"]["tags"])  # type: ignore[index]
