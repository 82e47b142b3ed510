"""Concurrent appends: 8 kernel processes x 500 appends at once, 4 of them on the same notebook, into one
PostgreSQL log and (for comparison, same run) one SQLite file. Nothing may be lost and every chain must
verify. Prints appends per second (all processes together) and per-append latency median and p95.

    .venv/bin/python benchmarks/team_append.py [--procs 8] [--appends 500]

PostgreSQL: a throw-away cluster is started like the tests do (tests/pg_cluster.py).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from jupyter_privacy.ledger import LedgerStore, SqliteLedgerStore, verify_all

POLICY = "ab" * 32
PAYLOAD = {"source": "data/customers.csv", "sha256": "ab" * 32, "shape": [3000, 12],
           "findings": [{"column": f"c{i}", "category": "direct", "entities": ["EMAIL_ADDRESS"]} for i in range(12)]}


def _open(kind: str, target: str) -> LedgerStore:
    if kind == "sqlite":
        return SqliteLedgerStore(target)
    from jupyter_privacy.ledger.postgres_store import PostgresLedgerStore

    return PostgresLedgerStore(target)


def worker(kind: str, target: str, proc: int, n: int, start: Any, out: Any) -> None:
    store = _open(kind, target)
    notebook = "/shared/team.ipynb" if proc < 4 else f"/home/u{proc}/own.ipynb"
    latencies = []
    start.wait()
    for i in range(n):
        t0 = time.perf_counter()
        store.append(notebook, "dataset_loaded", {**PAYLOAD, "i": i, "proc": proc}, kernel_id=f"k{proc}",
                     execution_count=i, policy_sha256=POLICY)
        latencies.append(time.perf_counter() - t0)
    store.close()
    out.put(latencies)


def run(kind: str, target: str, procs: int, n: int) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    start, out = ctx.Barrier(procs + 1), ctx.Queue()
    workers = [ctx.Process(target=worker, args=(kind, target, p, n, start, out)) for p in range(procs)]
    for w in workers:
        w.start()
    start.wait()
    t0 = time.perf_counter()
    latencies = [x for _ in workers for x in out.get()]
    wall = time.perf_counter() - t0
    for w in workers:
        w.join()
    store = _open(kind, target)
    reports = verify_all(store)
    stored = sum(r.records_checked for r in reports)
    store.close()
    latencies.sort()
    return {"appends": len(latencies), "stored": stored, "chains_ok": all(r.ok for r in reports),
            "chains": len(reports), "per_second": len(latencies) / wall,
            "median_ms": statistics.median(latencies) * 1000, "p95_ms": latencies[int(0.95 * len(latencies))] * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--procs", type=int, default=8)
    parser.add_argument("--appends", type=int, default=500)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = run("sqlite", str(Path(tmp) / "ledger.sqlite3"), args.procs, args.appends)
    import psycopg
    from pg_cluster import start_cluster

    from jupyter_privacy.ledger.postgres_schema import init_db

    cluster = start_cluster()
    try:
        with psycopg.connect(cluster.dsn()) as conn:
            init_db(conn, lambda _line: None)
        results["postgresql"] = run("postgresql", cluster.dsn(), args.procs, args.appends)
    finally:
        cluster.remove()
    for kind, r in results.items():
        lost = r["appends"] - r["stored"]
        print(f"{kind:<10} {args.procs} procs x {args.appends}: {r['per_second']:.0f} appends/s, median "
              f"{r['median_ms']:.2f} ms, p95 {r['p95_ms']:.2f} ms; {r['stored']} stored ({lost} lost), "
              f"{r['chains']} chains {'all verify' if r['chains_ok'] else 'BROKEN'}")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
