"""Two users' notebooks with the same path share one chain of a shared log, and each user's export shows
only that user's processing.

Under container spawners every user's server root is ``/home/jovyan``, so alice's and bob's
``analysis.ipynb`` have the same absolute path and append to the same chain (here one SQLite file stands in
for the team database; the chain logic is the store's, the filtering the readers'). Two real kernels, with
``JUPYTERHUB_USER`` set as JupyterHub sets it, run interleaved cells; alice's ``%privacy_export`` must not
carry bob's purpose, grants, datasets or records, and the chain still verifies whole.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.manager import KernelManager

from jupyter_privacy.ledger import SqliteLedgerStore, verify_chain


def _run(kc: Any, code: str) -> None:
    reply = kc.execute_interactive(code, timeout=120, output_hook=lambda msg: None)
    assert reply["content"]["status"] == "ok", reply["content"]


@pytest.fixture
def two_kernels(
    tmp_path: Path, policy_writer: Callable[..., tuple[Path, Path]], examples_dir: Path, test_key: str
) -> Iterator[tuple[Any, Any, Path, str]]:
    policy, ledger = policy_writer(tmp_path)
    notebook = str(tmp_path / "analysis.ipynb")  # the same path in both "containers"
    managers, clients = [], []
    try:
        for user in ("alice", "bob"):
            env = {
                k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER_PRIVACY_", "JUPYTERHUB_"))
            }
            env.update(
                JUPYTER_PRIVACY_POLICY=str(policy),
                JUPYTER_PRIVACY_KEY=test_key,
                JUPYTER_PRIVACY_NOTEBOOK=notebook,
                JUPYTERHUB_USER=user,
            )
            km = KernelManager(kernel_name="python3")
            km.start_kernel(env=env, cwd=str(examples_dir))
            managers.append(km)
            kc = km.client()
            kc.start_channels()
            kc.wait_for_ready(timeout=120)
            clients.append(kc)
        yield clients[0], clients[1], ledger, notebook
    finally:
        for kc in clients:
            kc.stop_channels()
        for km in managers:
            km.shutdown_kernel(now=True)


def test_each_users_export_holds_only_their_processing(
    two_kernels: tuple[Any, Any, Path, str], tmp_path: Path
) -> None:
    alice, bob, ledger, notebook = two_kernels
    _run(alice, "%load_ext jupyter_privacy")
    _run(bob, "%load_ext jupyter_privacy")
    _run(alice, "%privacy_purpose churn-model --basis legitimate_interest --ref LIA-2026-014")
    _run(bob, "%privacy_purpose marketing-consent --basis consent --ref CONSENT-2026A1")
    _run(alice, "customers = %privacy_load data/customers.csv --quiet")
    _run(bob, "people = %privacy_load data/customers.csv --quiet")
    _run(bob, "%privacy_unmask people --columns phone")
    out = tmp_path / "alice.json"
    _run(alice, f"%privacy_export --format json --output {out}")

    with SqliteLedgerStore(ledger, readonly=True) as store:
        assert verify_chain(store, notebook).ok
        assert {r.user for r in store.records(notebook)} == {"alice", "bob"}  # one chain, both users
    record = json.loads(out.read_text("utf-8"))
    text = json.dumps(record)
    assert "marketing-consent" not in text and "CONSENT-2026A1" not in text  # bob's purpose
    assert [p["id"] for p in record["purposes"]] == ["churn-model"]
    assert record["evidence"]["unmask"] == []  # bob's grant is not alice's
    assert {r["user"] for r in record["records"]} == {"alice"}
    loads = record["evidence"]["datasets"]
    assert len(loads) == 1 and loads[0]["cell"]["user"] == "alice"
    assert {c["user"] for c in record["evidence"]["cells"]} == {"alice"}
    chain = record["verification"]["chains"][0]
    assert record["verification"]["ok"] is True
    assert chain["records_included"] < chain["records_checked"]  # the chain is verified whole


def _status_text(kc: Any) -> str:
    texts: list[str] = []

    def hook(msg: dict[str, Any]) -> None:
        if msg["msg_type"] in ("display_data", "execute_result"):
            texts.append(msg["content"]["data"].get("text/plain", ""))

    reply = kc.execute_interactive("%privacy_status", timeout=120, output_hook=hook)
    assert reply["content"]["status"] == "ok", reply["content"]
    return "\n".join(texts)


def test_status_does_not_show_the_other_users_last_event(two_kernels: tuple[Any, Any, Path, str]) -> None:
    """The chain's head is bob's unmask: alice's ``%privacy_status`` gives the head, not what bob did."""
    alice, bob, _ledger, _notebook = two_kernels
    _run(alice, "%load_ext jupyter_privacy")
    _run(bob, "%load_ext jupyter_privacy")
    _run(bob, "%privacy_purpose marketing-consent --basis consent --ref CONSENT-2026A1")
    _run(bob, "people = %privacy_load data/customers.csv --quiet")
    _run(bob, "%privacy_unmask people --columns phone")
    alice_sees, bob_sees = _status_text(alice), _status_text(bob)
    assert "log head: #" in alice_sees and "unmask_granted" not in alice_sees
    assert "unmask_granted" in bob_sees  # bob's own last event
