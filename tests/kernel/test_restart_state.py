"""After Kernel > Restart the sidebar shows the new kernel's real state, not the old purpose and grants.

A real kernel (jupyter_client) declares a purpose and unmasks a column, then is restarted the way
JupyterLab restarts it (shutdown request with restart, new process, same kernel id). The old kernel
logs ``session_end`` on its way out; the sidebar state built from the log then has no purpose, no
grants and no datasets, and the chain still verifies.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.manager import KernelManager

from jupyter_privacy.ledger import SqliteLedgerStore, verify_chain
from jupyter_privacy.server.state import notebook_state


def _run(kc: Any, code: str) -> None:
    reply = kc.execute_interactive(code, timeout=120, output_hook=lambda msg: None)
    assert reply["content"]["status"] == "ok", reply["content"]


@pytest.fixture
def kernel(
    tmp_path: Path, policy_writer: Callable[..., tuple[Path, Path]], examples_dir: Path, test_key: str
) -> Iterator[tuple[KernelManager, Any, Path, str]]:
    policy, ledger = policy_writer(tmp_path)
    notebook = str(tmp_path / "restart.ipynb")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER_PRIVACY_", "JUPYTERHUB_"))}
    env.update(
        JUPYTER_PRIVACY_POLICY=str(policy), JUPYTER_PRIVACY_KEY=test_key, JUPYTER_PRIVACY_NOTEBOOK=notebook
    )
    km = KernelManager(kernel_name="python3")
    km.start_kernel(env=env, cwd=str(examples_dir))
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    try:
        yield km, kc, ledger, notebook
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def _state(ledger: Path, notebook: str) -> dict[str, Any]:
    with SqliteLedgerStore(ledger, readonly=True) as store:
        assert verify_chain(store, notebook).ok
        return notebook_state([r.to_dict() for r in store.records(notebook)])


def test_restart_clears_purpose_and_unmasked_chips(kernel: tuple[KernelManager, Any, Path, str]) -> None:
    km, kc, ledger, notebook = kernel
    _run(kc, "%load_ext jupyter_privacy")
    _run(kc, "%privacy_purpose churn-model --basis legitimate_interest --ref LIA-2026-014")
    _run(kc, "customers = %privacy_load data/customers.csv")
    _run(kc, "%privacy_unmask customers --columns email")
    before = _state(ledger, notebook)
    assert before["purpose"]["purpose"] == "churn-model" and before["grants"]
    assert any(c.get("unmasked") for d in before["datasets"] for c in d["flagged"])

    km.restart_kernel(now=False)  # what Kernel > Restart does: ask the kernel to shut down, then start anew
    kc.wait_for_ready(timeout=120)

    after = _state(ledger, notebook)
    assert after["purpose"] is None and after["grants"] == [] and after["datasets"] == []
    assert after["session"]["ended"] is not None
    with SqliteLedgerStore(ledger, readonly=True) as store:
        last = list(store.records(notebook))[-1]
    assert (last.event, last.cell_id, last.execution_count) == ("session_end", None, None)

    # the new kernel loading the extension starts a fresh, live session
    _run(kc, "%load_ext jupyter_privacy")
    fresh = _state(ledger, notebook)
    assert fresh["session"]["ended"] is None and fresh["purpose"] is None
