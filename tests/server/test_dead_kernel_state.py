"""A kernel killed outright logs no ``session_end``; the sidebar state still shows its session as ended.

Through a real jupyter_server (pytest-jupyter) that starts a real kernel for a notebook session: the
kernel declares a purpose, is killed with SIGKILL (as the out-of-memory killer, or the server when a hung
kernel does not answer a restart, would), and ``GET /jupyter-privacy/state`` no longer shows the purpose.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest

KEY = "5f" * 32


@pytest.fixture
def kernel_env(monkeypatch: pytest.MonkeyPatch, policy_file: Path) -> None:
    """The server's kernels inherit these (the notebook path comes from the session: JPY_SESSION_NAME)."""
    monkeypatch.setenv("JUPYTER_PRIVACY_POLICY", str(policy_file))
    monkeypatch.setenv("JUPYTER_PRIVACY_KEY", KEY)
    monkeypatch.delenv("JUPYTER_PRIVACY_NOTEBOOK", raising=False)


async def _state(jp_fetch: Any) -> dict[str, Any]:
    response = await jp_fetch("jupyter-privacy", "state", params={"path": "nb.ipynb"})
    return dict(json.loads(response.body))


async def test_a_killed_kernels_purpose_is_not_shown_as_current(
    jp_fetch: Any, jp_serverapp: Any, notebook: Any, kernel_env: None
) -> None:
    notebook("nb.ipynb")
    body = {"path": "nb.ipynb", "name": "nb.ipynb", "type": "notebook", "kernel": {"name": "python3"}}
    reply = await jp_fetch("api", "sessions", method="POST", body=json.dumps(body))
    kernel_id = json.loads(reply.body)["kernel"]["id"]
    km = jp_serverapp.kernel_manager.get_kernel(kernel_id)
    kc = km.client()
    kc.start_channels()
    try:
        await kc.wait_for_ready(timeout=120)
        code = "%load_ext jupyter_privacy\n%privacy_purpose churn-model --basis legitimate_interest --ref LIA-2026-014"
        result = await kc.execute_interactive(code, timeout=120)
        assert result["content"]["status"] == "ok", result["content"]
    finally:
        kc.stop_channels()
    live = await _state(jp_fetch)
    assert live["purpose"]["purpose"] == "churn-model"
    assert live["session"]["pid"] == km.provisioner.pid and live["session"]["ended"] is None

    os.kill(km.provisioner.pid, signal.SIGKILL)
    for _ in range(100):  # until the process is reaped (or the server's restarter started a new one)
        if km.provisioner.process is None or km.provisioner.process.poll() is not None:
            break
        if km.provisioner.pid != live["session"]["pid"]:
            break
        await asyncio.sleep(0.1)

    gone = await _state(jp_fetch)
    assert gone["purpose"] is None and gone["grants"] == [] and gone["datasets"] == []
    assert gone["session"]["ended"] is not None and "not logged" in gone["session"]["ended_how"]
    records = json.loads((await jp_fetch("jupyter-privacy", "records", params={"path": "nb.ipynb"})).body)
    assert "session_end" not in [r["event"] for r in records["records"]]  # nothing logged that did not happen
