"""Who declared which purpose and who was granted raw access, as the DPO and the sidebar see it.

The example flow runs as the JupyterHub user ``ana-hub``; the Art. 30 evidence (JSON and HTML), the
erasure answer and the sidebar state name her.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from jupyter_privacy.ledger import SqliteLedgerStore
from jupyter_privacy.ledger.identity import Identity
from jupyter_privacy.mask.keys import MaskingKey
from jupyter_privacy.records.article30 import build_record, render
from jupyter_privacy.records.erasure import erasure_lookup, parse_subject, render_text
from jupyter_privacy.records.fingerprints import FingerprintStore, fingerprint_path
from jupyter_privacy.server.state import notebook_state

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
USER = "ana-hub"


@pytest.fixture(scope="module", autouse=True)
def hub_user() -> Iterator[None]:
    mp = pytest.MonkeyPatch()
    mp.setenv("JUPYTERHUB_USER", USER)
    yield
    mp.undo()


def test_art30_evidence_names_the_user(flow: Any) -> None:
    with SqliteLedgerStore(flow.ledger, readonly=True) as store:
        record = build_record(store, flow.loaded, [flow.notebook])
    declarations = next(p for p in record["purposes"] if p["id"] == "churn-model")["declarations"]
    assert [(d["user"], d["server"]) for d in declarations] == [(USER, socket.gethostname())]
    unmask = record["evidence"]["unmask"]
    assert {(u["decision"], u["user"]) for u in unmask} == {("denied", USER), ("granted", USER)}
    html, _ = render(record, "html")
    assert f"by {USER}" in html and f"{USER} on {socket.gethostname()}" in html


def test_erasure_answer_names_who_unmasked(flow: Any) -> None:
    raw = pd.read_csv(EXAMPLES / "data" / "customers.csv")
    with (
        SqliteLedgerStore(flow.ledger, readonly=True) as store,
        FingerprintStore(fingerprint_path(flow.ledger), readonly=True) as fps,
    ):
        result = erasure_lookup(store, fps, MaskingKey(flow.key), [parse_subject(f"email={raw['email'][0]}")])
    assert {u["user"] for u in result["unmask"]} == {USER}
    assert f"by {USER}" in render_text(result)


def test_sidebar_state_names_who_declared_and_who_was_granted(flow: Any) -> None:
    with SqliteLedgerStore(flow.ledger, readonly=True) as store:
        records = [r.to_dict() for r in store.records(flow.notebook)]
    state = notebook_state(records)
    assert state["purpose"]["user"] == USER
    assert [g["user"] for g in state["grants"]] == [USER]
    events = [e for cell in state["timeline"] for e in cell["events"]]
    assert {e["user"] for e in events} == {USER}


def test_html_evidence_tells_two_users_copies_of_a_notebook_apart(flow: Any, tmp_path: Path) -> None:
    """Two users' ``/home/jovyan/a.ipynb`` share a chain and their cells share ids: the DPO's HTML says
    whose cell, load and output each row is, as the JSON does."""
    ledger, notebook = tmp_path / "shared.sqlite3", "/home/jovyan/a.ipynb"
    for user in ("christopher.smith", "christopher.jones"):
        with SqliteLedgerStore(ledger, identity=Identity(user, f"jupyter-{user}")) as s:
            s.append(notebook, "output_written", {"path": "/home/jovyan/out.csv", "datasets": []},
                     kernel_id=f"k-{user}", cell_id="c1", execution_count=1, policy_sha256="ab" * 32)
    with SqliteLedgerStore(ledger, readonly=True) as store:
        record = build_record(store, flow.loaded, [notebook])
    assert [c["user"] for c in record["evidence"]["cells"]] == ["christopher.smith", "christopher.jones"]
    html, _ = render(record, "html")
    cells = html[html.index("Code SHA-256</th><th>Events</th>"):]
    assert cells.count("christopher.smith") == 1 and cells.count("christopher.jones") == 1
    assert "christopher.smith on jupyter-christopher.smith" in html  # the output's row
