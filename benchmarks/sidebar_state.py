"""Sidebar state poll of a notebook with 20,000 records: the full rebuild (what every poll did before)
against the incrementally kept view, on SQLite and PostgreSQL. Server time of the state computation and
size of the JSON answer, medians of repeated polls, measured side by side in one process.

    .venv/bin/python benchmarks/sidebar_state.py [--records 20000] [--polls 15]

PostgreSQL: a throw-away cluster is started like the tests do (tests/pg_cluster.py).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from jupyter_privacy.ledger import LedgerStore, SqliteLedgerStore
from jupyter_privacy.server.state import notebook_state
from jupyter_privacy.server.state_cache import StateCache

NB = "/home/ana/big.ipynb"
POLICY = "ab" * 32
LOADED = {
    "dataset": "ds-1",
    "source": "/data/customers.csv",
    "variable": "customers",
    "shape": [3000, 12],
    "findings": [{"column": f"c{i}", "category": "direct", "entities": ["EMAIL_ADDRESS"], "score": 0.9}
                 for i in range(12)],
}


def fill(store: LedgerStore, n: int) -> None:
    store.append(NB, "session_start", {"enforcement": "enforce"}, kernel_id="k", policy_sha256=POLICY)
    store.append(NB, "dataset_loaded", LOADED, kernel_id="k", cell_id="c1", execution_count=1, policy_sha256=POLICY)
    for i in range(2, n):
        event = ("output_written", {"path": f"/out/{i}.csv", "datasets": ["ds-1"], "columns": ["a", "b"]})
        store.append(NB, event[0], event[1], kernel_id="k", cell_id=f"c{i}", execution_count=i,
                     policy_sha256=POLICY)


def timed(fn: Callable[[], str], polls: int) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(polls):
        t0 = time.perf_counter()
        size = len(fn())
        times.append(time.perf_counter() - t0)
    return statistics.median(times), size


def measure(open_store: Callable[[], LedgerStore], open_writer: Callable[[], LedgerStore], polls: int) -> dict[str, Any]:
    def full() -> str:
        with open_store() as store:
            return json.dumps(notebook_state([r.to_dict() for r in store.records(NB)]))

    cache = StateCache()

    def incremental() -> str:
        with open_store() as store:
            return json.dumps(cache.state(store, NB, [NB], lambda c, r: True, ("bench",)))

    t0 = time.perf_counter()
    incremental()  # the first poll builds the view
    first = time.perf_counter() - t0
    full_s, full_b = timed(full, max(3, polls // 3))
    inc_s, inc_b = timed(incremental, polls)
    with open_writer() as store:  # a poll that has one new record to fold in
        store.append(NB, "model_trained", {"model_class": "M", "datasets": ["ds-1"]}, kernel_id="k",
                     cell_id="cX", execution_count=99999, policy_sha256=POLICY)
    t0 = time.perf_counter()
    new_b = len(incremental())
    new_s = time.perf_counter() - t0
    return {"full_s": full_s, "full_bytes": full_b, "first_poll_s": first, "poll_s": inc_s, "poll_bytes": inc_b,
            "poll_with_new_record_s": new_s, "poll_with_new_record_bytes": new_b, "speedup": full_s / inc_s,
            "size_ratio": full_b / inc_b}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--polls", type=int, default=15)
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ledger.sqlite3"
        with SqliteLedgerStore(path) as s:
            fill(s, args.records)
        results["sqlite"] = measure(
            lambda: SqliteLedgerStore(path, readonly=True), lambda: SqliteLedgerStore(path), args.polls
        )
    try:
        import psycopg
        from pg_cluster import start_cluster

        from jupyter_privacy.ledger.postgres_schema import init_db
        from jupyter_privacy.ledger.postgres_store import PostgresLedgerStore
    except ImportError as exc:
        print(f"postgresql skipped: {exc}", file=sys.stderr)
    else:
        cluster = start_cluster()
        try:
            with psycopg.connect(cluster.dsn()) as conn:
                init_db(conn, lambda _line: None)
            with PostgresLedgerStore(cluster.dsn()) as s:
                fill(s, args.records)
            results["postgresql"] = measure(
                lambda: PostgresLedgerStore(cluster.dsn(), readonly=True),
                lambda: PostgresLedgerStore(cluster.dsn()),
                args.polls,
            )
        finally:
            cluster.remove()
    for backend, r in results.items():
        print(f"{backend:<10} {args.records} records: full rebuild {r['full_s'] * 1000:.0f} ms / {r['full_bytes'] / 1e6:.2f} MB; "
              f"incremental poll {r['poll_s'] * 1000:.1f} ms / {r['poll_bytes'] / 1e3:.1f} kB "
              f"(one new record: {r['poll_with_new_record_s'] * 1000:.1f} ms / {r['poll_with_new_record_bytes'] / 1e3:.1f} kB; "
              f"first poll {r['first_poll_s'] * 1000:.0f} ms); {r['speedup']:.0f}x faster, {r['size_ratio']:.0f}x smaller")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
