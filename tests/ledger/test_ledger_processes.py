"""Several processes appending at once, and a writer killed with SIGKILL mid-stream."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from jupyter_privacy.ledger import SqliteLedgerStore, verify_all, verify_chain

POLICY = "ab" * 32

WRITER = textwrap.dedent("""
    import sys
    from jupyter_privacy.ledger import SqliteLedgerStore
    db, notebook, n, tag = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    store = SqliteLedgerStore(db)
    print("ready", flush=True)
    sys.stdin.readline()  # start barrier: both writers begin together
    i = 0
    while n < 0 or i < n:
        store.append(notebook, "dataset_loaded", {"writer": tag, "i": i}, policy_sha256="ab" * 32)
        i += 1
    store.close()
""")


def _writers(db: Path, notebooks: list[str], n: int) -> list[subprocess.Popen[str]]:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db), nb, str(n), f"w{k}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k, nb in enumerate(notebooks)
    ]
    for p in procs:
        assert p.stdout is not None
        assert p.stdout.readline().strip() == "ready", p.stderr.read() if p.stderr else ""
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    return procs


@pytest.mark.parametrize("same_notebook", [False, True], ids=["two-notebooks", "same-notebook"])
def test_two_processes_append_concurrently(tmp_path: Path, same_notebook: bool) -> None:
    db = tmp_path / "ledger.sqlite3"
    SqliteLedgerStore(db).close()  # created once, so both writers open an existing ledger
    notebooks = ["/nb/shared.ipynb"] * 2 if same_notebook else ["/nb/one.ipynb", "/nb/two.ipynb"]
    n = 1000
    procs = _writers(db, notebooks, n)
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    store = SqliteLedgerStore(db, readonly=True)
    reports = verify_all(store)
    assert all(r.ok for r in reports), [r.summary() for r in reports if not r.ok]
    total = 0
    for nb in sorted(set(notebooks)):
        recs = list(store.records(nb))
        assert [r.seq for r in recs] == list(range(1, len(recs) + 1))  # contiguous
        total += len(recs)
        for tag in {"w0", "w1"}:
            mine = [r.payload["i"] for r in recs if r.payload["writer"] == tag]
            if mine:
                assert mine == list(range(n)), f"{tag}: records lost or out of order"
    assert total == 2 * n
    if same_notebook:
        writers = [r.payload["writer"] for r in store.records("/nb/shared.ipynb")]
        assert {"w0", "w1"} == set(writers)
    store.close()


def test_sigkill_mid_append_keeps_earlier_records_and_chain_continues(tmp_path: Path) -> None:
    db = tmp_path / "ledger.sqlite3"
    SqliteLedgerStore(db).close()
    [proc] = _writers(db, ["/nb/a.ipynb"], -1)  # appends until killed
    deadline = time.monotonic() + 60
    count = 0
    try:
        while count < 50:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, f"writer wrote only {count} records in 60 s"
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
                count = conn.execute("SELECT count(*) FROM records").fetchone()[0]
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    store = SqliteLedgerStore(db)
    report = verify_chain(store, "/nb/a.ipynb")
    assert report.ok, report.summary()
    assert report.records_checked >= 50
    recs = list(store.records("/nb/a.ipynb"))
    assert [r.payload["i"] for r in recs] == list(range(len(recs)))
    nxt = store.append("/nb/a.ipynb", "session_start", {"after": "crash"}, policy_sha256=POLICY)
    assert (nxt.seq, nxt.prev_hash) == (len(recs) + 1, recs[-1].hash)
    assert verify_chain(store, "/nb/a.ipynb").ok
    store.close()
