"""Append latency of the SQLite ledger (WAL, synchronous=FULL): median and p95 microseconds per append.

    .venv/bin/python benchmarks/ledger_append.py [--n 500] [--dir DIR]

DIR defaults to a temporary directory; pass a directory on the file system the ledger will live on,
since the figure is dominated by fsync.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from jupyter_privacy.ledger import SqliteLedgerStore


def measure(directory: Path, n: int) -> dict[str, float]:
    store = SqliteLedgerStore(directory / "bench-ledger.sqlite3")
    payload = {
        "source": "data/customers.csv",
        "sha256": "ab" * 32,
        "shape": [3000, 12],
        "findings": [
            {"column": f"c{i}", "category": "direct", "entities": ["EMAIL_ADDRESS"]} for i in range(12)
        ],
    }
    for _ in range(20):  # warm-up
        store.append("/bench/warmup.ipynb", "dataset_loaded", payload, policy_sha256="ab" * 32)
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        store.append(
            "/bench/nb.ipynb",
            "dataset_loaded",
            payload,
            cell_id=f"c{i}",
            execution_count=i,
            policy_sha256="ab" * 32,
        )
        times.append((time.perf_counter() - t0) * 1e6)
    store.close()
    times.sort()
    return {
        "n": n,
        "median_us": statistics.median(times),
        "p95_us": times[int(0.95 * (n - 1))],
        "max_us": times[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--dir", type=Path)
    args = parser.parse_args()
    if args.dir:
        result = measure(args.dir, args.n)
    else:
        with tempfile.TemporaryDirectory() as d:
            result = measure(Path(d), args.n)
    print(
        f"ledger append (WAL, synchronous=FULL): n={result['n']:.0f} median {result['median_us']:.0f} us, "
        f"p95 {result['p95_us']:.0f} us, max {result['max_us']:.0f} us"
    )


if __name__ == "__main__":
    main()
