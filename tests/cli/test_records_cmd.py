"""`jupyter-privacy export / lineage / erasure` as subprocesses: output, exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import yaml

from jupyter_privacy.kernel.context import CellContext
from jupyter_privacy.kernel.session import PrivacySession
from jupyter_privacy.policy import load_policy

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
KEY = "3c" * 32


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, str, dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("cli")
    data = yaml.safe_load((EXAMPLES / "privacy_policy.yaml").read_text("utf-8"))
    ledger = tmp / "ledger.sqlite3"
    data["log"]["path"] = str(ledger)
    policy = tmp / "policy.yaml"
    policy.write_text(yaml.safe_dump(data), "utf-8")
    notebook = str(tmp / "project" / "nb.ipynb")
    mp = pytest.MonkeyPatch()
    mp.setenv("JUPYTER_PRIVACY_KEY", KEY)
    mp.setenv("JUPYTER_PRIVACY_NOTEBOOK", notebook)
    session = PrivacySession(policy=load_policy(policy))
    session.cell = CellContext("c1", 1, "customers = %privacy_load data/customers.csv")
    session.load(EXAMPLES / "data" / "customers.csv")
    session.close()
    mp.undo()
    env = {**os.environ, "JUPYTER_PRIVACY_KEY": KEY, "JUPYTER_PRIVACY_POLICY": str(policy)}
    yield policy, ledger, notebook, env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "jupyter_privacy", *args], capture_output=True, text=True, env=env, timeout=120
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_export_formats_and_read_only(setup: tuple[Path, Path, str, dict[str, str]], tmp_path: Path) -> None:
    _policy, ledger, notebook, env = setup
    before = ledger.read_bytes(), Path(str(ledger) + "-wal").exists()
    out = tmp_path / "r.json"
    proc = run(
        env,
        "export",
        "--notebook",
        notebook,
        "--format",
        "json",
        "--output",
        str(out),
        "--store",
        str(ledger),
    )
    assert proc.returncode == 0, proc.stderr
    record = json.loads(out.read_text("utf-8"))
    assert record["verification"]["ok"] and record["controller"]["name"] == "Example Retail B.V."
    proc = run(env, "export", "--project", str(Path(notebook).parent), "--format", "csv")
    assert proc.returncode == 0 and proc.stdout.startswith("section,item,field,value")
    proc = run(env, "export", "--notebook", "nb.ipynb", "--format", "html")
    assert proc.returncode == 0 and "<!DOCTYPE html>" in proc.stdout
    with sqlite3.connect(ledger) as con:
        events = [r[0] for r in con.execute("SELECT event FROM records")]
    assert "record_exported" not in events  # the CLI never writes to the log
    assert ledger.read_bytes() == before[0]


def test_export_of_a_tampered_log_exits_1(
    setup: tuple[Path, Path, str, dict[str, str]], tmp_path: Path
) -> None:
    _policy, ledger, notebook, env = setup
    copy = tmp_path / "copy.sqlite3"
    with sqlite3.connect(ledger) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    with sqlite3.connect(copy) as con:
        con.execute("DROP TRIGGER records_no_update")
        con.execute(
            "UPDATE records SET payload = replace(payload, 'customers.csv', 'other.csv') WHERE seq = 2"
        )
    proc = run(env, "export", "--notebook", notebook, "--format", "json", "--store", str(copy))
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["verification"]["ok"] is False
    assert "failed verification" in proc.stderr


def test_lineage_jsonl(setup: tuple[Path, Path, str, dict[str, str]], tmp_path: Path) -> None:
    _policy, _ledger, notebook, env = setup
    out = tmp_path / "ol.jsonl"
    proc = run(env, "lineage", "--notebook", notebook, "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [e["eventType"] for e in events] == ["START", "START", "COMPLETE", "COMPLETE"]


def test_erasure_found_and_not_found(setup: tuple[Path, Path, str, dict[str, str]]) -> None:
    _policy, _ledger, _notebook, env = setup
    email = pd.read_csv(EXAMPLES / "data" / "customers.csv")["email"].iloc[3]
    proc = run(env, "erasure", "--subject", f"email={email}", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["found"] and Path(result["datasets"][0]["source"]).name == "customers.csv"
    assert email not in proc.stdout  # the raw identifier is not echoed
    proc = run(env, "erasure", "--subject", "email=nobody@nowhere.example")
    assert proc.returncode == 0 and "NO MATCH" in proc.stdout and "false" in proc.stdout
    assert "NOT FOUND" not in proc.stdout and "not proof" in proc.stdout  # not read as a final answer


@pytest.mark.parametrize(
    "args",
    [
        ["erasure", "--subject", "shoe=42"],
        ["erasure", "--subject", "email"],
        ["export", "--notebook", "missing.ipynb"],
        ["export", "--project", "/nonexistent/dir"],
        ["export", "--notebook", "x", "--store", "/nonexistent/ledger.sqlite3"],
        ["lineage", "--notebook", "missing.ipynb"],
        ["export", "--notebook", "x", "--policy", "/nonexistent/policy.yaml"],
    ],
)
def test_bad_input_gives_one_line_errors(
    setup: tuple[Path, Path, str, dict[str, str]], args: list[str]
) -> None:
    proc = run(setup[3], *args)
    assert proc.returncode == 2
    assert proc.stderr.startswith("jupyter-privacy: error:")


def test_erasure_without_key(setup: tuple[Path, Path, str, dict[str, str]]) -> None:
    env = {k: v for k, v in setup[3].items() if k != "JUPYTER_PRIVACY_KEY"}
    proc = run(env, "erasure", "--subject", "email=a@b.c")
    assert proc.returncode == 2 and "masking key" in proc.stderr
