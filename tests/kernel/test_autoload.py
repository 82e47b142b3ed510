"""The admin's IPython kernel config starts jupyter-privacy in every kernel when the policy says so."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from jupyter_client.manager import start_new_kernel

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "privacy_policy.yaml"


def _policy(tmp_path: Path, autoload: bool) -> Path:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["kernel"] = {"autoload": autoload}
    data["log"]["path"] = str(tmp_path / "ledger.sqlite3")
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _magics_in_new_kernel(tmp_path: Path, autoload: bool, monkeypatch: pytest.MonkeyPatch) -> str:
    ipython_dir = tmp_path / "ipython"
    (ipython_dir / "profile_default").mkdir(parents=True)
    (ipython_dir / "profile_default" / "ipython_kernel_config.py").write_text(
        'c.InteractiveShellApp.extensions = ["jupyter_privacy.kernel.autoload"]\n'
    )
    monkeypatch.setenv("IPYTHONDIR", str(ipython_dir))
    monkeypatch.setenv("JUPYTER_PRIVACY_POLICY", str(_policy(tmp_path, autoload)))
    monkeypatch.setenv("JUPYTER_PRIVACY_KEY", "c" * 64)
    monkeypatch.setenv("JUPYTER_PRIVACY_NOTEBOOK", str(tmp_path / "nb.ipynb"))
    km, kc = start_new_kernel(kernel_name="python3", env=dict(os.environ))
    try:
        outputs: list[str] = []

        def collect(msg: dict) -> None:  # type: ignore[type-arg]
            if msg["msg_type"] == "stream":
                outputs.append(msg["content"]["text"])

        kc.execute_interactive(
            "print('privacy_status' in get_ipython().magics_manager.magics['line'])",
            output_hook=collect,
            timeout=60,
        )
        return "".join(outputs).strip()
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_autoload_starts_the_extension_when_the_policy_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _magics_in_new_kernel(tmp_path, True, monkeypatch) == "True"
    from jupyter_privacy.ledger import SqliteLedgerStore

    store = SqliteLedgerStore(tmp_path / "ledger.sqlite3", readonly=True)
    events = [r.event for r in store.records(str(tmp_path / "nb.ipynb"))]
    assert events[:1] == ["session_start"]


def test_autoload_leaves_the_kernel_alone_when_the_policy_does_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _magics_in_new_kernel(tmp_path, False, monkeypatch) == "False"
    assert not (tmp_path / "ledger.sqlite3").exists()
