"""Signed checkpoints catch what the hash chain alone cannot (issue 11's attacks on the SQLite store).

A reviewer who can write the SQLite file drops the triggers, deletes the purpose and unmask records,
recomputes every hash with the documented formula and moves the head: plain `verify` says OK. Once the
witness has signed a checkpoint after those records, `verify` and the export banner report it, and so
for a deleted chain, truncation plus a moved head, and an older copy of the file put back.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from jupyter_privacy.ledger import GENESIS_HASH, SqliteLedgerStore, compute_hash
from jupyter_privacy.records.article30_model import validate_record

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
POLICY = "ab" * 32
A = "/home/u/proj/a.ipynb"
B = "/home/u/proj/b.ipynb"
COLS = ("notebook, seq, ts, kernel_id, cell_id, execution_count, code_sha256, event, payload, policy_sha256, "
        "prev_hash, hash, user, server, record_version")


@dataclass
class Setup:
    db: Path
    checkpoints: Path
    private: Path
    public: Path
    env: dict[str, str]

    def verify(self, *extra: str) -> subprocess.CompletedProcess[str]:
        return cli(self.env, "verify", "--store", str(self.db), "--checkpoints", str(self.checkpoints),
                   "--public-key", str(self.public), *extra)

    def sign(self) -> subprocess.CompletedProcess[str]:
        return cli(self.env, "witness", "sign", "--key", str(self.private), "--store", str(self.db),
                   "--checkpoints", str(self.checkpoints))


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "jupyter_privacy", *args], capture_output=True, text=True,
                          env=env, timeout=120, check=False)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    return proc


def append(db: Path, notebook: str, events: list[str]) -> None:
    store = SqliteLedgerStore(db)
    for i, event in enumerate(events):
        store.append(notebook, event, {"i": i}, execution_count=i, policy_sha256=POLICY)
    store.close()


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER_PRIVACY_")}
    s = Setup(tmp_path / "ledger.sqlite3", tmp_path / "admin" / "checkpoints.jsonl", tmp_path / "admin" / "w.key",
              tmp_path / "admin" / "w.pub", env)
    s.private.parent.mkdir()
    append(s.db, A, ["session_start", "dataset_loaded", "purpose_declared", "unmask_granted", "output_written"])
    append(s.db, B, ["session_start", "dataset_loaded"])
    keygen = cli(env, "witness", "keygen", "--private", str(s.private), "--public", str(s.public))
    assert keygen.returncode == 0, keygen.stderr
    assert (s.private.stat().st_mode & 0o777) == 0o600
    signed = s.sign()
    assert signed.returncode == 0 and signed.stdout.count("SIGNED") == 2, signed.stdout + signed.stderr
    assert s.verify().returncode == 0
    return s


def rehash_without(db: Path, notebook: str, drop: set[str]) -> None:
    """The attack: drop triggers, delete rows, renumber, recompute every hash, move the head."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    conn.execute("DROP TRIGGER IF EXISTS records_no_update")
    conn.execute("DROP TRIGGER IF EXISTS records_no_delete")
    rows = [dict(r) for r in conn.execute(f"SELECT {COLS} FROM records WHERE notebook = ? ORDER BY seq",
                                          (notebook,))]
    conn.execute("DELETE FROM records WHERE notebook = ?", (notebook,))
    prev, seq = GENESIS_HASH, 0
    for r in rows:
        if r["event"] in drop:
            continue
        seq += 1
        body = {**{k: v for k, v in r.items() if k != "hash"}, "seq": seq, "prev_hash": prev,
                "payload": json.loads(r["payload"])}
        r.update(seq=seq, prev_hash=prev, hash=compute_hash(prev, body))
        conn.execute(f"INSERT INTO records ({COLS}) VALUES ({', '.join('?' * 15)})", [r[c] for c in COLS.split(", ")])
        prev = r["hash"]
    conn.execute("UPDATE heads SET seq = ?, hash = ? WHERE notebook = ?", (seq, prev, notebook))
    conn.commit()
    conn.close()


def expect_tampered(s: Setup, kind: str, *words: str) -> None:
    proc = s.verify()
    assert proc.returncode == 1, proc.stdout + proc.stderr
    line = next(line for line in proc.stdout.splitlines() if line.startswith("TAMPERED"))
    assert line.startswith(f"TAMPERED {A}:"), proc.stdout
    for word in words:
        assert word in line, line
    data = json.loads(s.verify("--format", "json").stdout)
    assert {f["notebook"]: f["kind"] for f in data["witness"]}[A] == kind
    assert not data["ok"]
    assert s.sign().returncode == 1  # the witness refuses to bless the tampered chain


def test_consistent_rehash_of_the_whole_chain(setup: Setup) -> None:
    rehash_without(setup.db, A, {"purpose_declared", "unmask_granted"})
    plain = cli(setup.env, "verify", "--store", str(setup.db))
    assert plain.returncode == 0  # the chain alone cannot tell: that is why the witness exists
    expect_tampered(setup, "rolled_back", "rolled back")  # 5 records signed, 3 left


def test_rehash_that_keeps_the_length_is_rewritten(setup: Setup) -> None:
    conn = sqlite3.connect(setup.db)
    conn.execute("DROP TRIGGER records_no_update")
    conn.execute("UPDATE records SET event = 'session_start' WHERE notebook = ? AND event = 'unmask_granted'", (A,))
    conn.commit()
    conn.close()
    rehash_without(setup.db, A, set())
    assert cli(setup.env, "verify", "--store", str(setup.db)).returncode == 0
    expect_tampered(setup, "rewritten", "rewritten", "record 5")


def test_deleted_chain(setup: Setup) -> None:
    conn = sqlite3.connect(setup.db)
    conn.execute("DROP TRIGGER records_no_delete")
    conn.execute("DELETE FROM records WHERE notebook = ?", (A,))
    conn.execute("DELETE FROM heads WHERE notebook = ?", (A,))
    conn.commit()
    conn.close()
    assert cli(setup.env, "verify", "--store", str(setup.db)).returncode == 0
    expect_tampered(setup, "deleted", "deleted")


def test_truncation_and_moved_head(setup: Setup) -> None:
    conn = sqlite3.connect(setup.db)
    conn.execute("DROP TRIGGER records_no_delete")
    conn.execute("DELETE FROM records WHERE notebook = ? AND seq >= 4", (A,))
    h = conn.execute("SELECT hash FROM records WHERE notebook = ? AND seq = 3", (A,)).fetchone()[0]
    conn.execute("UPDATE heads SET seq = 3, hash = ? WHERE notebook = ?", (h, A))
    conn.commit()
    conn.close()
    assert cli(setup.env, "verify", "--store", str(setup.db)).returncode == 0
    expect_tampered(setup, "rolled_back", "ends at record 3")


def test_older_copy_of_the_file_restored(setup: Setup, tmp_path: Path) -> None:
    old = tmp_path / "old.sqlite3"
    SqliteLedgerStore(setup.db).close()  # checkpoint the WAL so the copy is complete
    shutil.copy(setup.db, old)
    append(setup.db, A, ["unmask_granted", "output_written"])
    assert setup.sign().returncode == 0
    for suffix in ("-wal", "-shm"):
        Path(str(setup.db) + suffix).unlink(missing_ok=True)
    shutil.copy(old, setup.db)
    assert cli(setup.env, "verify", "--store", str(setup.db)).returncode == 0
    expect_tampered(setup, "rolled_back", "rolled back")


def test_unsigned_tail_is_counted_not_failed(setup: Setup) -> None:
    append(setup.db, A, ["dataset_loaded", "dataset_loaded", "unmask_granted"])
    proc = setup.verify()
    assert proc.returncode == 0, proc.stdout
    assert f"UNSIGNED {A}: matches the checkpoint" in proc.stdout and "3 unsigned record(s)" in proc.stdout


def test_forged_checkpoint_line_is_reported(setup: Setup, tmp_path: Path) -> None:
    other_key, other_pub = tmp_path / "o.key", tmp_path / "o.pub"
    cli(setup.env, "witness", "keygen", "--private", str(other_key), "--public", str(other_pub))
    forged = tmp_path / "forged.jsonl"
    cli(setup.env, "witness", "sign", "--key", str(other_key), "--store", str(setup.db), "--checkpoints", str(forged))
    with setup.checkpoints.open("a") as fh:
        fh.write(forged.read_text())
    proc = setup.verify()
    assert proc.returncode == 1 and "TAMPERED" in proc.stdout and "not a checkpoint signed" in proc.stdout


def test_export_banner_reports_the_witness(setup: Setup, tmp_path: Path) -> None:
    rehash_without(setup.db, A, {"purpose_declared", "unmask_granted"})
    policy = yaml.safe_load((EXAMPLES / "privacy_policy.yaml").read_text("utf-8"))
    policy["log"] = {"path": str(setup.db), "checkpoints": str(setup.checkpoints),
                     "witness_public_key": str(setup.public)}
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(policy), "utf-8")
    out = tmp_path / "art30.json"
    proc = cli(setup.env, "export", "--policy", str(path), "--notebook", A, "--format", "json", "--output", str(out))
    assert proc.returncode == 1 and "rolled back" in proc.stderr, proc.stderr
    record = json.loads(out.read_text("utf-8"))
    assert not record["verification"]["ok"] and record["verification"]["witness"][0]["kind"] == "rolled_back"


def _rehash(s: Setup, _tmp: Path) -> None:
    rehash_without(s.db, A, {"purpose_declared", "unmask_granted"})


def _delete_chain(s: Setup, _tmp: Path) -> None:
    conn = sqlite3.connect(s.db)
    conn.execute("DROP TRIGGER records_no_delete")
    conn.execute("DELETE FROM records WHERE notebook = ?", (A,))
    conn.execute("DELETE FROM heads WHERE notebook = ?", (A,))
    conn.commit()
    conn.close()


def _truncate_and_move_head(s: Setup, _tmp: Path) -> None:
    conn = sqlite3.connect(s.db)
    conn.execute("DROP TRIGGER records_no_delete")
    conn.execute("DELETE FROM records WHERE notebook = ? AND seq >= 4", (A,))
    h = conn.execute("SELECT hash FROM records WHERE notebook = ? AND seq = 3", (A,)).fetchone()[0]
    conn.execute("UPDATE heads SET seq = 3, hash = ? WHERE notebook = ?", (h, A))
    conn.commit()
    conn.close()


def _restore_older_copy(s: Setup, tmp: Path) -> None:
    old = tmp / "old.sqlite3"
    SqliteLedgerStore(s.db).close()
    shutil.copy(s.db, old)
    append(s.db, A, ["unmask_granted", "output_written"])
    assert s.sign().returncode == 0
    for suffix in ("-wal", "-shm"):
        Path(str(s.db) + suffix).unlink(missing_ok=True)
    shutil.copy(old, s.db)


ATTACKS = {
    "consistent re-hash": (_rehash, "rolled_back"),
    "chain deleted": (_delete_chain, "deleted"),
    "truncated, head moved": (_truncate_and_move_head, "rolled_back"),
    "older copy restored": (_restore_older_copy, "rolled_back"),
}


@pytest.mark.parametrize("scope", ["--notebook", "--project", "--all"])
@pytest.mark.parametrize("attack", list(ATTACKS), ids=list(ATTACKS))
def test_every_attack_fails_the_export_banner(setup: Setup, tmp_path: Path, attack: str, scope: str) -> None:
    """Each SQLite attack, once signed before it, fails the Art. 30 export of the notebook, of its project
    and of the whole log, in the JSON verification and in the HTML banner (a deleted chain included)."""
    do, kind = ATTACKS[attack]
    do(setup, tmp_path)
    assert cli(setup.env, "verify", "--store", str(setup.db)).returncode == 0  # the chain alone says OK
    policy = yaml.safe_load((EXAMPLES / "privacy_policy.yaml").read_text("utf-8"))
    policy["log"] = {"path": str(setup.db), "checkpoints": str(setup.checkpoints),
                     "witness_public_key": str(setup.public)}
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(policy), "utf-8")
    where = {"--notebook": [A], "--project": [str(Path(A).parent)], "--all": []}[scope]
    for fmt in ("json", "html"):
        out = tmp_path / f"art30.{fmt}"
        proc = cli(setup.env, "export", "--policy", str(path), scope, *where, "--format", fmt,
                   "--output", str(out))
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert "FAILED VERIFICATION" in proc.stderr.upper() and A in proc.stderr, proc.stderr
        text = out.read_text("utf-8")
        if fmt == "json":
            record = json.loads(text)
            validate_record(record)  # the typed model knows verification.witness
            assert not record["verification"]["ok"]
            found = {f["notebook"]: f["kind"] for f in record["verification"]["witness"]}
            assert found[A] == kind
        else:
            banner = text.split("<h2", 1)[0]
            assert "cannot be relied on" in banner and A in banner
