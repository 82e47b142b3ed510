"""A log row whose columns hold the wrong types (SQLite stores whatever it is given) is reported as a
broken chain by `verify`, `log` and `export`: exit 1 and a BROKEN line naming the record, no traceback.
The other notebook in the same file still verifies.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_privacy.ledger import SqliteLedgerStore

POLICY = "ab" * 32
A = "/home/u/proj/a.ipynb"
B = "/home/u/proj/b.ipynb"

DAMAGE = {
    "seq is text": "UPDATE records SET seq = 'two' WHERE notebook = :a AND seq = 2",
    "seq is a float": "UPDATE records SET seq = 2.5 WHERE notebook = :a AND seq = 2",
    "payload is a blob": "UPDATE records SET payload = X'00ff10' WHERE notebook = :a AND seq = 2",
    "hash is a blob": "UPDATE records SET hash = X'12' WHERE notebook = :a AND seq = 2",
    "prev_hash is a blob": "UPDATE records SET prev_hash = X'ab' WHERE notebook = :a AND seq = 2",
    "ts is a blob": "UPDATE records SET ts = X'00' WHERE notebook = :a AND seq = 2",
    "execution_count is text": "UPDATE records SET execution_count = 'x' WHERE notebook = :a AND seq = 2",
    "kernel_id is a blob": "UPDATE records SET kernel_id = X'07' WHERE notebook = :a AND seq = 2",
    "event is a blob": "UPDATE records SET event = X'01' WHERE notebook = :a AND seq = 2",
    "record_version is text": "UPDATE records SET record_version = 'two' WHERE notebook = :a AND seq = 2",
    "user is a blob": "UPDATE records SET user = X'03' WHERE notebook = :a AND seq = 2",
    "last seq is text": "UPDATE records SET seq = 'x' WHERE notebook = :a AND seq = 3",
}
# TEXT columns convert numbers to text (type affinity), so those are edits, not damage; blobs stay blobs.
HEAD_DAMAGE = {
    "head seq is text": "UPDATE heads SET seq = 'three' WHERE notebook = :a",
    "head hash is a blob": "UPDATE heads SET hash = X'00' WHERE notebook = :a",
}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER_PRIVACY_")}
    proc = subprocess.run(
        [sys.executable, "-m", "jupyter_privacy", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    return proc


def damage(tmp_path: Path, statement: str) -> Path:
    path = tmp_path / "ledger.sqlite3"
    store = SqliteLedgerStore(path)
    for i in range(1, 4):
        store.append(A, "dataset_loaded", {"i": i}, execution_count=i, policy_sha256=POLICY)
        store.append(B, "output_written", {"i": i}, policy_sha256=POLICY)
    store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TRIGGER records_no_update")
        conn.execute(statement, {"a": A})
    conn.close()
    return path


@pytest.fixture(params=sorted(DAMAGE), ids=lambda k: k.replace(" ", "-"))
def damaged(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    return damage(tmp_path, DAMAGE[request.param])


@pytest.fixture(params=sorted(DAMAGE) + sorted(HEAD_DAMAGE), ids=lambda k: k.replace(" ", "-"))
def damaged_row_or_head(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    return damage(tmp_path, {**DAMAGE, **HEAD_DAMAGE}[request.param])


def test_verify_reports_broken(damaged_row_or_head: Path) -> None:
    damaged = damaged_row_or_head
    proc = run("verify", "--store", str(damaged))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = {line.split()[1].rstrip(":"): line for line in proc.stdout.splitlines()}
    assert lines[A].startswith(f"BROKEN  {A}: damaged"), proc.stdout
    assert lines[B].startswith("OK"), proc.stdout
    as_json = json.loads(run("verify", "--store", str(damaged), "--format", "json").stdout)
    assert [c["ok"] for c in as_json["chains"]] == [False, True]


def test_log_reports_broken(damaged: Path) -> None:
    proc = run("log", "--store", str(damaged), "--notebook", A)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "BROKEN" in proc.stderr and "jupyter-privacy verify" in proc.stderr
    table = run("log", "--store", str(damaged), "--notebook", A, "--format", "table")
    assert table.returncode == 1 and "BROKEN" in table.stderr


def test_export_reports_broken(damaged_row_or_head: Path, tmp_path: Path) -> None:
    damaged = damaged_row_or_head
    out = tmp_path / "record.json"
    proc = run("export", "--store", str(damaged), "--notebook", A, "--format", "json", "--output", str(out))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    record = json.loads(out.read_text("utf-8"))
    text = json.dumps(record)
    assert "failed verification" in proc.stderr and "damaged" in proc.stderr, proc.stderr
    assert '"ok": false' in text
