"""The DPO's view of a shared log: `export --all` and `erasure` over every user's notebooks, filtered by
user, purpose and time range; the Art. 30 record says per purpose who declared it and who unmasked what."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from jupyter_privacy.kernel.context import CellContext
from jupyter_privacy.kernel.session import PrivacySession
from jupyter_privacy.ledger import SqliteLedgerStore
from jupyter_privacy.policy import load_policy
from jupyter_privacy.records.article30_model import validate_record
from jupyter_privacy.records.openlineage import notebook_events

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
KEY = "2b" * 32


def cli_env(policy: Path) -> dict[str, str]:
    """The environment of a DPO's CLI run: this policy and key, no notebook or hub user of the test run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER_PRIVACY_", "JUPYTERHUB_"))}
    env.update(JUPYTER_PRIVACY_POLICY=str(policy), JUPYTER_PRIVACY_KEY=KEY)
    return env


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], Path]]:
    tmp = tmp_path_factory.mktemp("dpo")
    data = yaml.safe_load((EXAMPLES / "privacy_policy.yaml").read_text("utf-8"))
    data["log"]["path"] = str(tmp / "ledger.sqlite3")
    policy = tmp / "policy.yaml"
    policy.write_text(yaml.safe_dump(data), "utf-8")
    for user, purpose in (("ana", True), ("bo", False)):
        mp = pytest.MonkeyPatch()
        mp.setenv("JUPYTER_PRIVACY_KEY", KEY)
        mp.setenv("JUPYTERHUB_USER", user)
        mp.setenv("JUPYTER_PRIVACY_NOTEBOOK", str(tmp / user / "work.ipynb"))
        s = PrivacySession(policy=load_policy(policy))
        s.cell = CellContext("c1", 1, "load")
        customers = s.load(EXAMPLES / "data" / "customers.csv", variable="customers")
        if purpose:
            s.cell = CellContext("c2", 2, "purpose")
            s.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
            s.cell = CellContext("c3", 3, "unmask")
            s.unmask(customers, ["email"])
        s.close()
        mp.undo()
    env = cli_env(policy)
    yield env, tmp


def export(env: dict[str, str], tmp: Path, *args: str) -> dict[str, Any]:
    out = tmp / "x.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyter_privacy",
            "export",
            "--all",
            "--format",
            "json",
            "--output",
            str(out),
            *args,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert "Traceback" not in proc.stderr and proc.returncode in (0, 3), proc.stderr
    record = dict(json.loads(out.read_text("utf-8")))
    validate_record(record)  # processed_by and all: the typed model of the record
    return record


def users_of(record: dict[str, Any]) -> set[str]:
    return {d["cell"].get("user") for d in record["evidence"]["datasets"]} | {
        u["user"] for u in record["evidence"]["unmask"]
    }


def test_all_notebooks_and_who_processed_what_per_purpose(team: tuple[dict[str, str], Path]) -> None:
    env, tmp = team
    record = export(env, tmp)
    assert len(record["verification"]["chains"]) == 2 and record["verification"]["ok"]
    assert len(record["evidence"]["datasets"]) == 2
    churn = next(p for p in record["purposes"] if p["id"] == "churn-model")
    assert churn["processed_by"]["declared_by"] == ["ana"]
    assert [(g["user"], g["columns"]) for g in churn["processed_by"]["unmasked"]] == [("ana", ["email"])]


def test_filters_by_user_purpose_and_time(team: tuple[dict[str, str], Path]) -> None:
    env, tmp = team
    bo = export(env, tmp, "--user", "bo")
    assert len(bo["evidence"]["datasets"]) == 1 and bo["evidence"]["unmask"] == [] and bo["purposes"] == []
    churn = export(env, tmp, "--purpose", "churn-model")
    assert churn["evidence"]["datasets"] == [] and [u["user"] for u in churn["evidence"]["unmask"]] == ["ana"]
    assert export(env, tmp, "--since", "2999-01-01")["evidence"]["datasets"] == []
    assert len(export(env, tmp, "--until", "2999-01-01")["evidence"]["datasets"]) == 2
    bad = subprocess.run(
        [sys.executable, "-m", "jupyter_privacy", "export", "--all", "--since", "yesterday"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert bad.returncode == 2 and "cannot read the time" in bad.stderr


def erasure(env: dict[str, str], *args: str) -> dict[str, Any]:
    email = pd.read_csv(EXAMPLES / "data" / "customers.csv")["email"][0]
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyter_privacy",
            "erasure",
            "--subject",
            f"email={email}",
            "--format",
            "json",
            *args,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout))


def test_erasure_over_everyone_filtered_by_user(team: tuple[dict[str, str], Path]) -> None:
    env, _tmp = team
    everyone = erasure(env)
    assert {d["user"] for d in everyone["datasets"]} == {"ana", "bo"}
    only_bo = erasure(env, "--user", "bo")
    assert {d["user"] for d in only_bo["datasets"]} == {"bo"} and only_bo["unmask"] == []


def test_erasure_purpose_filter_follows_each_kernel_session(team: tuple[dict[str, str], Path]) -> None:
    """``erasure --purpose P`` keeps what ran while P was declared in its kernel session, as ``export``
    does: not bo's load (bo declared no purpose) nor ana's load made before she declared P."""
    env, _tmp = team
    churn = erasure(env, "--purpose", "churn-model")
    assert churn["datasets"] == []
    assert [(u["user"], u["purpose"]) for u in churn["unmask"]] == [("ana", "churn-model")]
    assert [(c["user"], c["event"]) for c in churn["cells"]] == [("ana", "unmask_granted")]
    assert churn["found"] is True  # the unmask handed out the person's raw data under P
    assert erasure(env, "--purpose", "marketing-consent")["found"] is False


def _policy(tmp_path: Path) -> Path:
    data = yaml.safe_load((EXAMPLES / "privacy_policy.yaml").read_text("utf-8"))
    data["log"]["path"] = str(tmp_path / "ledger.sqlite3")
    policy = tmp_path / "policy.yaml"
    policy.write_text(yaml.safe_dump(data), "utf-8")
    return policy


def test_purpose_filter_follows_each_kernel_on_a_shared_chain(tmp_path: Path) -> None:
    """ana and bo each have a ``/home/jovyan/work.ipynb`` (one chain): ana's purpose declared while bo's
    kernel runs does not make bo's load processing under ana's purpose."""
    policy = _policy(tmp_path)
    sessions = {}
    mp = pytest.MonkeyPatch()
    try:
        mp.setenv("JUPYTER_PRIVACY_KEY", KEY)
        mp.setenv("JUPYTER_PRIVACY_NOTEBOOK", str(tmp_path / "work.ipynb"))
        for user in ("ana", "bo"):
            mp.setenv("JUPYTERHUB_USER", user)
            sessions[user] = PrivacySession(policy=load_policy(policy))
            sessions[user].kernel_id = f"kernel-{user}"  # what each kernel's connection file says
        mp.setenv("JUPYTERHUB_USER", "bo")  # one process stands in for two kernels: act as each in turn
        sessions["bo"].cell = CellContext("c0", 1, "load")
        sessions["bo"].load(EXAMPLES / "data" / "customers.csv", variable="first")
        mp.setenv("JUPYTERHUB_USER", "ana")
        sessions["ana"].cell = CellContext("c1", 1, "purpose")
        sessions["ana"].declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
        mp.setenv("JUPYTERHUB_USER", "bo")
        sessions["bo"].cell = CellContext("c1", 2, "load")
        sessions["bo"].load(EXAMPLES / "data" / "customers.csv", variable="customers")
    finally:
        for s in sessions.values():
            s.close()
        mp.undo()
    env = cli_env(policy)
    everything = export(env, tmp_path)
    assert len(everything["verification"]["chains"]) == 1 and len(everything["evidence"]["datasets"]) == 2
    churn = export(env, tmp_path, "--purpose", "churn-model")
    assert churn["evidence"]["datasets"] == []  # bo's load was under no purpose
    assert churn["purposes"][0]["processed_by"]["declared_by"] == ["ana"]


def test_lineage_rebuilds_each_users_notebook_run_of_a_shared_chain(tmp_path: Path) -> None:
    """``lineage`` over the chain of ana's and bo's ``/home/jovyan/work.ipynb`` rebuilds each user's notebook
    run as that user's kernel sent it live: bo's cells are not children of ana's notebook run."""
    policy, notebook = _policy(tmp_path), str(tmp_path / "work.ipynb")
    mp = pytest.MonkeyPatch()
    try:
        mp.setenv("JUPYTER_PRIVACY_KEY", KEY)
        mp.setenv("JUPYTER_PRIVACY_NOTEBOOK", notebook)
        for user in ("ana", "bo"):
            mp.setenv("JUPYTERHUB_USER", user)
            s = PrivacySession(policy=load_policy(policy))
            s.kernel_id = f"kernel-{user}"
            s.cell = CellContext("c1", 1, "load")
            s.load(EXAMPLES / "data" / "customers.csv", variable="customers")
            s.close()
    finally:
        mp.undo()
    env = cli_env(policy)
    proc = subprocess.run(
        [sys.executable, "-m", "jupyter_privacy", "lineage", "--notebook", notebook],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    rebuilt = [json.loads(line) for line in proc.stdout.splitlines()]
    with SqliteLedgerStore(tmp_path / "ledger.sqlite3", readonly=True) as store:
        live = {u: notebook_events(store, notebook, user=u) for u in ("ana", "bo")}  # what each kernel sends
    assert [(e["run"]["runId"], e["eventType"]) for e in rebuilt] == [
        (e["run"]["runId"], e["eventType"]) for u in ("ana", "bo") for e in live[u]
    ]


def test_purpose_filter_tells_two_users_scripts_of_one_path_apart(tmp_path: Path) -> None:
    """Outside a kernel there is no kernel id: ana's and bo's runs of ``/home/jovyan/etl.py`` interleave on
    one chain, and bo's start does not end the purpose ana declared."""
    policy = _policy(tmp_path)
    sessions = {}
    mp = pytest.MonkeyPatch()
    try:
        mp.setenv("JUPYTER_PRIVACY_KEY", KEY)
        mp.setenv("JUPYTER_PRIVACY_NOTEBOOK", str(tmp_path / "etl.py"))
        for user in ("ana", "bo"):
            sessions[user] = PrivacySession(policy=load_policy(policy))
            assert sessions[user].kernel_id is None
        mp.setenv("JUPYTERHUB_USER", "ana")  # each store is opened, and its user read, at its first record
        sessions["ana"].declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
        mp.setenv("JUPYTERHUB_USER", "bo")
        sessions["bo"].load(EXAMPLES / "data" / "customers.csv", variable="theirs")
        sessions["ana"].load(EXAMPLES / "data" / "customers.csv", variable="customers")
    finally:
        for s in sessions.values():
            s.close()
        mp.undo()
    env = cli_env(policy)
    churn = export(env, tmp_path, "--purpose", "churn-model")
    assert [d["cell"]["user"] for d in churn["evidence"]["datasets"]] == ["ana"]


def test_erasure_filters_leave_out_other_users_unsearchable_loads(tmp_path: Path) -> None:
    """bo's load was masked under another key, so it cannot be searched; ``erasure --user ana`` is about
    what ana did and does not list it."""
    policy = _policy(tmp_path)
    mp = pytest.MonkeyPatch()
    try:
        mp.setenv("JUPYTER_PRIVACY_NOTEBOOK", str(tmp_path / "work.ipynb"))
        for user, key in (("ana", KEY), ("bo", "3c" * 32)):
            mp.setenv("JUPYTERHUB_USER", user)
            mp.setenv("JUPYTER_PRIVACY_KEY", key)
            s = PrivacySession(policy=load_policy(policy))
            s.load(EXAMPLES / "data" / "customers.csv", variable="customers")
            s.close()
    finally:
        mp.undo()
    env = cli_env(policy)
    assert [u["user"] for u in erasure(env)["unsearchable_loads"]] == ["bo"]
    ana = erasure(env, "--user", "ana")
    assert [d["user"] for d in ana["datasets"]] == ["ana"] and ana["unsearchable_loads"] == []
