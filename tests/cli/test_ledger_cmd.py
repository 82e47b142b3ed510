"""`jupyter-privacy verify` and `jupyter-privacy log`, run as the real command in a subprocess."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_privacy.ledger import SqliteLedgerStore, canonical_json
from jupyter_privacy.ledger.identity import Identity

ROOT = Path(__file__).resolve().parents[2]
POLICY = "ab" * 32


def run(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "jupyter_privacy", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    return proc


def isolated_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER_PRIVACY_")}
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "user-config")
    env["HOME"] = str(tmp_path / "home")
    env.update(extra)
    return env


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.sqlite3"
    s = SqliteLedgerStore(path)
    for i in range(1, 4):
        s.append(
            "/home/u/proj/analysis.ipynb",
            "dataset_loaded",
            {"i": i, "source": "kunden.csv", "ä": "ö"},
            kernel_id="k-1",
            cell_id=f"c{i}",
            execution_count=i,
            policy_sha256=POLICY,
        )
    s.append("/home/u/other/analysis.ipynb", "session_start", {}, policy_sha256=POLICY)
    s.append(
        "/home/u/proj/model.ipynb", "model_trained", {"class": "LogisticRegression"}, policy_sha256=POLICY
    )
    s.close()
    return path


def test_verify_all_ok(store: Path) -> None:
    proc = run("verify", "--store", str(store))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 3 and all(line.startswith("OK") for line in lines)
    assert "/home/u/proj/analysis.ipynb (3 records, head " in proc.stdout


def test_verify_broken_exit_1_text_and_json(store: Path) -> None:
    with sqlite3.connect(store) as conn:
        conn.execute("DROP TRIGGER records_no_update")
        conn.execute(
            "UPDATE records SET payload = '{}' WHERE seq = 2 AND notebook = ?",
            ("/home/u/proj/analysis.ipynb",),
        )
    conn.close()
    proc = run("verify", "--store", str(store))
    assert proc.returncode == 1
    broken = [line for line in proc.stdout.splitlines() if line.startswith("BROKEN")]
    assert len(broken) == 1 and "/home/u/proj/analysis.ipynb: edited at seq 2" in broken[0]
    assert sum(line.startswith("OK ") for line in proc.stdout.splitlines()) == 2

    proc = run("verify", "--store", str(store), "--format", "json")
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["ok"] is False
    bad = [c for c in data["chains"] if not c["ok"]]
    assert [(c["notebook"], c["problem"]["kind"], c["problem"]["seq"]) for c in bad] == [
        ("/home/u/proj/analysis.ipynb", "edited", 2)
    ]

    proc = run("verify", "--store", str(store), "--notebook", "model.ipynb")
    assert proc.returncode == 0 and proc.stdout.startswith("OK      /home/u/proj/model.ipynb")


def test_verify_missing_store_exit_2_says_where(tmp_path: Path) -> None:
    proc = run("verify", env=isolated_env(tmp_path))
    assert proc.returncode == 2
    expected = str(tmp_path / "home" / ".local" / "share" / "jupyter-privacy" / "ledger.sqlite3")
    assert expected in proc.stderr and "log.path" in proc.stderr and "--store" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not Path(expected).exists()  # verify never creates a store


def test_verify_store_from_policy(tmp_path: Path, store: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "version: 1\ncontroller: {name: Example B.V., contact: privacy@example.org}\n"
        "log: {store: sqlite, path: $LEDGER_DIR/ledger.sqlite3}\n"
    )
    env = isolated_env(tmp_path, JUPYTER_PRIVACY_POLICY=str(policy), LEDGER_DIR=str(store.parent))
    proc = run("verify", "--format", "json", env=env)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["store"] == str(store)


@pytest.mark.parametrize("content", [b"hello, not a database\n", os.urandom(2048)], ids=["text", "random"])
def test_verify_unreadable_store_exit_2_untouched(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "ledger.sqlite3"
    path.write_bytes(content)
    for cmd in (("verify",), ("log", "--notebook", "x.ipynb")):
        proc = run(*cmd, "--store", str(path))
        assert proc.returncode == 2
        assert str(path) in proc.stderr and "not a SQLite database" in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.sqlite3"]


def test_verify_directory_exit_2(tmp_path: Path) -> None:
    proc = run("verify", "--store", str(tmp_path))
    assert proc.returncode == 2 and "directory" in proc.stderr


def test_log_jsonl_is_canonical_and_complete(store: Path) -> None:
    proc = run("log", "--notebook", "/home/u/proj/analysis.ipynb", "--store", str(store))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 3
    s = SqliteLedgerStore(store, readonly=True)
    expected = [r.to_dict() for r in s.records("/home/u/proj/analysis.ipynb")]
    s.close()
    for line, rec in zip(lines, expected, strict=True):
        obj = json.loads(line)
        assert obj == rec
        assert line.encode() == canonical_json(obj)
        assert set(obj) == {
            "seq",
            "ts",
            "notebook",
            "kernel_id",
            "cell_id",
            "execution_count",
            "code_sha256",
            "event",
            "payload",
            "policy_sha256",
            "prev_hash",
            "hash",
            "user",
            "server",
            "record_version",
        }


def test_log_resolves_paths(store: Path, tmp_path: Path) -> None:
    # a unique suffix
    proc = run("log", "--notebook", "proj/analysis.ipynb", "--store", str(store))
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) == 3
    proc = run("log", "--notebook", "model.ipynb", "--store", str(store), "--format", "table")
    assert proc.returncode == 0 and "model_trained" in proc.stdout and "LogisticRegression" in proc.stdout
    # a relative path resolved against the working directory
    nb_dir = tmp_path / "nbs"
    nb_dir.mkdir()
    s = SqliteLedgerStore(store)
    s.append(str(nb_dir / "rel.ipynb"), "session_start", {}, policy_sha256=POLICY)
    s.close()
    proc = run("log", "--notebook", "rel.ipynb", "--store", str(store), cwd=nb_dir)
    assert proc.returncode == 0 and json.loads(proc.stdout)["notebook"] == str(nb_dir / "rel.ipynb")
    # ambiguous suffix
    proc = run("log", "--notebook", "analysis.ipynb", "--store", str(store), cwd=nb_dir)
    assert proc.returncode == 2 and "ambiguous" in proc.stderr
    assert "/home/u/proj/analysis.ipynb" in proc.stderr and "/home/u/other/analysis.ipynb" in proc.stderr
    # unknown: lists the known notebooks
    proc = run("log", "--notebook", "missing.ipynb", "--store", str(store))
    assert proc.returncode == 2 and "known notebooks" in proc.stderr
    assert "/home/u/proj/model.ipynb" in proc.stderr


def test_log_table_tells_users_with_a_common_prefix_apart(tmp_path: Path) -> None:
    """Two users' notebooks of one path (a shared chain): the table names each user in full."""
    path = tmp_path / "ledger.sqlite3"
    for user in ("christopher.smith", "christopher.jones"):
        with SqliteLedgerStore(path, identity=Identity(user, "hub")) as s:
            s.append("/home/jovyan/analysis.ipynb", "session_start", {}, policy_sha256=POLICY)
    proc = run("log", "--notebook", "/home/jovyan/analysis.ipynb", "--store", str(path), "--format", "table")
    assert proc.returncode == 0, proc.stderr
    assert "christopher.smith" in proc.stdout and "christopher.jones" in proc.stdout
