"""`jupyter-privacy policy dry-run`: a log written through the real API, replayed against a prepared new
policy; every kind of change is listed, an unchanged policy lists nothing. Run as the console command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from jupyter_privacy.kernel.context import CellContext
from jupyter_privacy.kernel.lineage import Lineage
from jupyter_privacy.kernel.models import ModelHooks
from jupyter_privacy.kernel.raw_outputs import RawOutputs
from jupyter_privacy.kernel.session import PrivacySession
from jupyter_privacy.policy import load_policy

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
KEY = "2e" * 32


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Any], str, Path]]:
    tmp = tmp_path_factory.mktemp("dryrun")
    data = yaml.safe_load((EXAMPLES / "privacy_policy.yaml").read_text("utf-8"))
    data["log"]["path"] = str(tmp / "ledger.sqlite3")
    current = tmp / "current.yaml"
    current.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    notebook = str(tmp / "campaign.ipynb")
    mp = pytest.MonkeyPatch()
    mp.setenv("JUPYTER_PRIVACY_KEY", KEY)
    mp.setenv("JUPYTER_PRIVACY_NOTEBOOK", notebook)
    session = PrivacySession(policy=load_policy(current))
    lineage = Lineage(session)
    lineage.install()
    raw_outputs = RawOutputs(session, None)
    raw_outputs.install()
    models = ModelHooks(session, lineage, raw_outputs)
    models.install()
    from sklearn.linear_model import LogisticRegression

    models.hook_modules()
    try:
        session.cell = CellContext("load", 1, "customers = %privacy_load data/customers.csv")
        customers = session.load(EXAMPLES / "data" / "customers.csv", variable="customers")
        session.load(EXAMPLES / "data" / "customers.csv", variable="again")  # the same file twice
        session.cell = CellContext("consent", 2, "%privacy_purpose marketing-consent ...")
        session.declare_purpose("marketing-consent", "consent", "CONSENT-2026A1")
        session.cell = CellContext("train", 3, "model.fit(customers[['monthly_spend']], customers.churned)")
        model = LogisticRegression().fit(customers[["monthly_spend"]], customers["churned"])
        models.after_cell({"model": model})
        session.cell = CellContext("churn", 4, "%privacy_purpose churn-model ...")
        session.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
        session.cell = CellContext("unmask", 5, "%privacy_unmask customers --columns email")
        session.unmask(customers, ["email"])
    finally:
        models.uninstall()
        raw_outputs.uninstall()
        lineage.uninstall()
        session.close()
        mp.undo()
    yield current, data, notebook, tmp


def dry_run(current: Path, new: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JUPYTER_PRIVACY_POLICY": str(current)}
    proc = subprocess.run(
        [sys.executable, "-m", "jupyter_privacy", "policy", "dry-run", str(new), *args],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_every_kind_of_change_is_listed(logged: tuple[Path, dict[str, Any], str, Path]) -> None:
    current, data, notebook, tmp = logged
    new = json.loads(json.dumps(data))
    new["purposes"] = [p for p in new["purposes"] if p["id"] != "marketing-consent"]
    churn = next(p for p in new["purposes"] if p["id"] == "churn-model")
    churn["unmask"] = {"entities": ["PHONE_NUMBER"]}
    new["masking"]["entities"]["PHONE_NUMBER"] = {"strategy": "redact"}
    path = tmp / "new.yaml"
    path.write_text(yaml.safe_dump(new, sort_keys=False), "utf-8")

    proc = dry_run(current, path, "--notebook", notebook, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    changes = json.loads(proc.stdout)["changes"]
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for c in changes:
        by_kind.setdefault(c["kind"], []).append(c)
    assert set(by_kind) == {"purpose", "grant", "masking", "model"}
    assert [c["cell_id"] for c in by_kind["purpose"]] == ["consent"]
    assert "unknown purpose 'marketing-consent'" in by_kind["purpose"][0]["why"]
    assert [c["cell_id"] for c in by_kind["grant"]] == ["unmask"]
    assert "email" in by_kind["grant"][0]["why"] and "EMAIL_ADDRESS" in by_kind["grant"][0]["why"]
    assert [c["why"] for c in by_kind["masking"]] == ["pseudonymise -> redact"]  # twice loaded, once listed
    assert "phone" in by_kind["masking"][0]["what"]
    assert [c["cell_id"] for c in by_kind["model"]] == ["train"]
    assert "LogisticRegression" in by_kind["model"][0]["what"]

    text = dry_run(current, path, "--notebook", "campaign.ipynb")
    assert text.returncode == 1
    assert "Unmask grants the new policy would refuse (1):" in text.stdout
    assert "Models whose purpose the new policy no longer has (1):" in text.stdout


def test_the_same_policy_changes_nothing(logged: tuple[Path, dict[str, Any], str, Path]) -> None:
    current, _data, notebook, _tmp = logged
    proc = dry_run(current, current, "--notebook", notebook)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "nothing that ran would go differently" in proc.stdout


def test_an_invalid_new_policy_is_one_clear_line(logged: tuple[Path, dict[str, Any], str, Path]) -> None:
    current, _data, notebook, tmp = logged
    bad = tmp / "bad.yaml"
    bad.write_text("version: 1\n", "utf-8")
    proc = dry_run(current, bad, "--notebook", notebook)
    assert proc.returncode == 2
    assert "cannot load the new policy" in proc.stderr


def test_a_basis_no_longer_allowed_is_listed_for_the_whole_project(
    logged: tuple[Path, dict[str, Any], str, Path],
) -> None:
    """The purpose stays but loses the basis it was declared under; the grant made under it goes too.
    Replayed for every notebook under the project folder."""
    current, data, notebook, tmp = logged
    new = json.loads(json.dumps(data))
    churn = next(p for p in new["purposes"] if p["id"] == "churn-model")
    churn["lawful_bases"] = ["consent"]
    churn["reference"] = {"pattern": "^CONSENT-", "description": "consent record"}
    path = tmp / "bases.yaml"
    path.write_text(yaml.safe_dump(new, sort_keys=False), "utf-8")
    proc = dry_run(current, path, "--project", str(Path(notebook).parent), "--format", "json")
    assert proc.returncode == 1, proc.stderr
    changes = json.loads(proc.stdout)["changes"]
    purposes = [c for c in changes if c["kind"] == "purpose"]
    assert [c["cell_id"] for c in purposes] == ["churn"]
    assert "legitimate_interest" in purposes[0]["why"]
    assert {c["kind"] for c in changes} == {"purpose", "grant"}
    (grant,) = [c for c in changes if c["kind"] == "grant"]
    assert grant["cell_id"] == "unmask" and "declaration the new policy refuses" in grant["why"]


def test_each_users_declaration_on_a_shared_chain_is_listed_with_the_user(tmp_path: Path) -> None:
    """ana's and bo's ``/home/jovyan/work.ipynb`` share a chain and both declared the purpose the new
    policy drops: the DPO sees both declarations, each with its user, not ana's alone."""
    data = yaml.safe_load((EXAMPLES / "privacy_policy.yaml").read_text("utf-8"))
    data["log"]["path"] = str(tmp_path / "ledger.sqlite3")
    current = tmp_path / "current.yaml"
    current.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    notebook = str(tmp_path / "work.ipynb")
    mp = pytest.MonkeyPatch()
    try:
        mp.setenv("JUPYTER_PRIVACY_KEY", KEY)
        mp.setenv("JUPYTER_PRIVACY_NOTEBOOK", notebook)
        for user in ("ana", "bo"):
            mp.setenv("JUPYTERHUB_USER", user)
            session = PrivacySession(policy=load_policy(current))
            session.kernel_id = f"kernel-{user}"
            session.cell = CellContext("consent", 1, "%privacy_purpose marketing-consent ...")
            session.declare_purpose("marketing-consent", "consent", "CONSENT-2026A1")
            session.close()
    finally:
        mp.undo()
    new = json.loads(json.dumps(data))
    new["purposes"] = [p for p in new["purposes"] if p["id"] != "marketing-consent"]
    path = tmp_path / "new.yaml"
    path.write_text(yaml.safe_dump(new, sort_keys=False), "utf-8")
    proc = dry_run(current, path, "--notebook", notebook, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    assert [(c["kind"], c["user"]) for c in json.loads(proc.stdout)["changes"]] == [
        ("purpose", "ana"),
        ("purpose", "bo"),
    ]
    text = dry_run(current, path, "--notebook", notebook).stdout
    assert "by ana" in text and "by bo" in text
