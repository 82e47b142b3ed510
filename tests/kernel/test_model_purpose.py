"""``models.other_purpose: refuse``: a model trained under one purpose is not used under another.

In-process IPython shell (the extension's code paths are those of a kernel); the recording behaviour is
covered in a real kernel by tests/kernel/test_models.py.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

from jupyter_privacy.kernel.errors import ModelPurposeRefused
from jupyter_privacy.ledger import SqliteLedgerStore


@pytest.fixture
def shell(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    examples_dir: Path,
    policy_writer: Callable[..., tuple[Path, Path]],
    test_key: str,
) -> Iterator[tuple[InteractiveShell, Path, str]]:
    shutil.copytree(examples_dir / "data", tmp_path / "data")
    policy, ledger = policy_writer(tmp_path, models={"other_purpose": "refuse"})
    notebook = str((tmp_path / "refuse.ipynb").resolve())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JUPYTER_PRIVACY_POLICY", str(policy))
    monkeypatch.setenv("JUPYTER_PRIVACY_NOTEBOOK", notebook)
    monkeypatch.setenv("JUPYTER_PRIVACY_KEY", test_key)
    ip = InteractiveShell.instance()
    ip.reset(new_session=False)
    ip.run_line_magic("load_ext", "jupyter_privacy")
    yield ip, ledger, notebook
    ip.run_line_magic("unload_ext", "jupyter_privacy")


def test_predict_and_load_under_another_purpose_are_refused_and_logged(
    shell: tuple[InteractiveShell, Path, str],
) -> None:
    ip, ledger, notebook = shell
    cells = [
        "customers = %privacy_load data/customers.csv --quiet",
        "%privacy_purpose churn-model --basis legitimate_interest --ref LIA-2026-014",
        "from sklearn.linear_model import LogisticRegression\n"
        "X = customers[['monthly_spend']]\n"
        "model = LogisticRegression().fit(X, customers['churned'])\n"
        "import joblib\njoblib.dump(model, 'model.joblib')",
        "model.predict(X)",  # same purpose: fine, nothing logged
        "%privacy_purpose marketing-consent --basis consent --ref CONSENT-2026B7",
    ]
    for cell in cells:
        assert ip.run_cell(cell).success, cell
    for cell, how in [("model.predict(X)", "predict"), ("joblib.load('model.joblib')", "joblib.load")]:
        result = ip.run_cell(cell)
        assert isinstance(result.error_in_exec, ModelPurposeRefused), cell
        assert "trained under purpose 'churn-model'" in str(result.error_in_exec)
        assert f"({how}) under 'marketing-consent' is refused" in str(result.error_in_exec)
    with SqliteLedgerStore(ledger, readonly=True) as store:
        used = [r.payload for r in store.records(notebook) if r.event == "model_used"]
    assert [(u["how"], u["outcome"]) for u in used] == [("predict", "refused"), ("joblib.load", "refused")]
