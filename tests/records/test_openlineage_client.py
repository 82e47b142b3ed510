"""OpenLineage events sent through the openlineage-python client and its transports, configured the way
OpenLineage users do it: the http transport to a real local HTTP endpoint (from `--url`, from
OPENLINEAGE_URL, from an openlineage.yml), the file transport, and a clear error without configuration."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

pytest.importorskip("openlineage.client")

from openlineage.client.serde import Serde

from jupyter_privacy.ledger import SqliteLedgerStore
from jupyter_privacy.records.openlineage import notebook_events
from jupyter_privacy.records.openlineage_client import client_event


class Receiver(ThreadingHTTPServer):
    received: list[tuple[str, dict[str, Any]]]


class Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.path, json.loads(body)))
        self.send_response(201)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def endpoint() -> Iterator[Receiver]:
    server = Receiver(("127.0.0.1", 0), Handler)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _clean(value: Any) -> Any:
    """Without nulls and empty lists (the client fills optional list fields with [])."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None and v != []}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _events(flow: Any) -> list[dict[str, Any]]:
    with SqliteLedgerStore(flow.ledger, readonly=True) as store:
        return notebook_events(store, flow.notebook)


def lineage(flow: Any, tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER_PRIVACY_", "OPENLINEAGE"))}
    base.update(HOME=str(tmp_path / "home"), JUPYTER_PRIVACY_POLICY=str(flow.policy_path), **env)
    proc = subprocess.run(
        [sys.executable, "-m", "jupyter_privacy", "lineage", "--notebook", flow.notebook, *args],
        capture_output=True, text=True, env=base, cwd=tmp_path, timeout=120, check=False,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_client_events_carry_every_facet(flow: Any) -> None:
    """The client's typed RunEvent serialises to the same run, job, datasets and facet contents."""
    for e in _events(flow):
        sent = Serde.to_dict(client_event(e))
        assert (sent["eventType"], sent["eventTime"], sent["run"]["runId"]) == (
            e["eventType"], e["eventTime"], e["run"]["runId"]
        )
        assert sent["job"]["name"] == e["job"]["name"]
        assert set(sent["job"]["facets"]) == set(e["job"]["facets"])
        assert set(sent["run"].get("facets", {})) == set(e["run"]["facets"])
        for mine, theirs in zip(e["inputs"] + e["outputs"], sent["inputs"] + sent["outputs"], strict=True):
            assert (theirs["namespace"], theirs["name"]) == (mine["namespace"], mine["name"])
            for name, facet in mine["facets"].items():
                body = {k: v for k, v in facet.items() if not k.startswith("_")}
                got = {k: v for k, v in theirs["facets"][name].items() if not k.startswith("_")}
                assert _clean(body) == _clean(got), name
                assert theirs["facets"][name]["_producer"] == facet["_producer"]
    masked = [
        t["masking"]
        for e in _events(flow)
        for d in e["outputs"]
        for f in d["facets"].get("columnLineage", {}).get("fields", {}).values()
        for i in f["inputFields"]
        for t in i["transformations"]
    ]
    assert True in masked  # the masking flag is among what the client sends


def test_http_transport_from_url_option(flow: Any, tmp_path: Path, endpoint: Receiver) -> None:
    url = f"http://127.0.0.1:{endpoint.server_address[1]}"
    proc = lineage(flow, tmp_path, "--url", url)
    assert proc.returncode == 0, proc.stderr
    n = len(_events(flow))
    assert f"sent {n} events" in proc.stderr
    assert [p for p, _ in endpoint.received] == ["/api/v1/lineage"] * n
    assert [b["run"]["runId"] for _, b in endpoint.received] == [e["run"]["runId"] for e in _events(flow)]


def test_client_configured_by_openlineage_url(flow: Any, tmp_path: Path, endpoint: Receiver) -> None:
    url = f"http://127.0.0.1:{endpoint.server_address[1]}"
    proc = lineage(flow, tmp_path, "--client", OPENLINEAGE_URL=url)
    assert proc.returncode == 0, proc.stderr
    assert len(endpoint.received) == len(_events(flow))
    tags = [t for _, b in endpoint.received for d in b["inputs"] for t in d["facets"]["tags"]["tags"]]
    assert {"key": "pii", "value": "true", "source": "jupyter-privacy", "field": "email"} in tags


def test_client_configured_by_openlineage_yml(flow: Any, tmp_path: Path, endpoint: Receiver) -> None:
    out = tmp_path / "events.jsonl"
    config = {"transport": {"type": "file", "log_file_path": str(out), "append": True}}
    (tmp_path / "openlineage.yml").write_text(yaml.safe_dump(config), "utf-8")  # in the working directory
    proc = lineage(flow, tmp_path, "--client")
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [e["eventType"] for e in lines] == [e["eventType"] for e in _events(flow)]
    assert endpoint.received == []


def test_file_transport_from_output_option(flow: Any, tmp_path: Path) -> None:
    out = tmp_path / "lineage.jsonl"
    for _ in range(2):  # appended, not overwritten
        assert lineage(flow, tmp_path, "--output", str(out)).returncode == 0
    assert len(out.read_text("utf-8").splitlines()) == 2 * len(_events(flow))


def test_no_configuration_and_unreachable_endpoint_are_clear_errors(flow: Any, tmp_path: Path) -> None:
    proc = lineage(flow, tmp_path, "--client")
    assert proc.returncode == 2 and "no OpenLineage configuration found" in proc.stderr
    assert proc.stdout == ""  # not the client's fallback of printing events on the console
    proc = lineage(flow, tmp_path, "--url", "http://127.0.0.1:9")
    assert proc.returncode == 2 and "cannot send OpenLineage events to http://127.0.0.1:9" in proc.stderr
    # an endpoint with credentials in its URL: the error names the endpoint, never the password
    proc = lineage(flow, tmp_path, "--client", OPENLINEAGE_URL="http://lineage:s3cret-pw@127.0.0.1:9")
    assert proc.returncode == 2 and "s3cret-pw" not in proc.stderr + proc.stdout, proc.stderr
    assert "127.0.0.1" in proc.stderr


def test_secret_variables_are_never_copied_into_events(flow: Any, tmp_path: Path) -> None:
    """An openlineage.yml that asks the client to copy environment variables into every event gets the
    harmless ones; the masking key's and the log DSN's variables are taken out of the list."""
    out = tmp_path / "events.jsonl"
    config = {
        "transport": {"type": "file", "log_file_path": str(out), "append": True},
        "facets": {"environment_variables": ["JUPYTER_PRIVACY_KEY", "JUPYTER_PRIVACY_LOG_DSN", "TEAM", "MY_KEY"]},
    }
    (tmp_path / "openlineage.yml").write_text(yaml.safe_dump(config), "utf-8")
    policy = yaml.safe_load(flow.policy_path.read_text("utf-8"))
    policy["key"] = {"source": "env", "env_var": "MY_KEY"}
    custom = tmp_path / "policy.yaml"
    custom.write_text(yaml.safe_dump(policy), "utf-8")
    proc = lineage(flow, tmp_path, "--client", "--policy", str(custom), TEAM="analytics",
                   JUPYTER_PRIVACY_KEY="k" * 64, JUPYTER_PRIVACY_LOG_DSN="host=db password=s3cr3t", MY_KEY="m" * 64)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text("utf-8")
    assert "analytics" in text  # what the admin asked for is there
    for secret in ("k" * 64, "s3cr3t", "m" * 64):
        assert secret not in text


def test_transport_errors_never_repeat_an_endpoints_credentials() -> None:
    from jupyter_privacy.records.openlineage_client import without_credentials

    said = "401 Client Error: Unauthorized for url: https://ol:p%40ss@lineage.internal:5000/api/v1/lineage"
    assert without_credentials(said) == "401 Client Error: Unauthorized for url: https://***@lineage.internal:5000/api/v1/lineage"
    assert without_credentials("no url here, user@example.org") == "no url here, user@example.org"
