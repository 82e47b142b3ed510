"""Unmask speed: what aligning rows by content costs on top of re-reading the source.

    .venv/bin/python benchmarks/unmask_speed.py [--rows 200000] [--people 50000] [--repeat 5]

Writes a CSV of --rows rows (8 personal-data columns from a pool of --people people, an order id and
4 ordinary columns; see benchmarks/_data.py) into benchmarks/out/, loads it governed, declares a purpose
that may see direct and quasi identifiers, and times (medians, one process, alternating):

- baseline: re-reading the source and checking its content hash, the floor of any unmask;
- unmask of ``email`` in the frame as loaded;
- unmask of ``email`` in a derived frame (filter, sort by the masked e-mail, reset_index);
- unmask of ``birth_date`` (generalised, so not unique) in a derived frame that keeps the order id;
- unmask of ``email`` in a derived frame without the order id (the masked columns must tell rows apart).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from _data import people_pool, wide_table
from _scratch import scratch_dir

from jupyter_privacy.kernel.session import PrivacySession, _as_internal, _file_sha256
from jupyter_privacy.policy import load_policy

OUT = Path(__file__).resolve().parent / "out"
POLICY = {
    "version": 1,
    "controller": {"name": "Bench", "contact": "bench@example.org"},
    "enforcement": "enforce",
    "purposes": [
        {
            "id": "bench",
            "description": "benchmark",
            "lawful_bases": ["consent"],
            "unmask": {"categories": ["direct", "quasi"]},
            "retention": "P1D",
        }
    ],
    "interception": {"enabled": False},
}


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--people", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    path = OUT / f"unmask_{args.rows}.csv"
    if not path.exists():
        frame = wide_table(args.rows, people_pool(args.people))
        frame.insert(0, "order_id", np.arange(args.rows))
        frame.to_csv(path, index=False)
    work = scratch_dir("unmask-bench-")
    policy = {**POLICY, "log": {"store": "sqlite", "path": str(work / "ledger.sqlite3")}}
    (work / "policy.yaml").write_text(yaml.safe_dump(policy), "utf-8")
    os.environ.setdefault("JUPYTER_PRIVACY_KEY", "ab" * 32)
    session = PrivacySession(None, load_policy(work / "policy.yaml"))
    df = session.load(path)
    session.declare_purpose("bench", "consent")
    derived = df[df["amount"] > 500].sort_values("email").reset_index(drop=True)
    no_id = derived.drop(columns=["order_id"])

    def reread() -> None:
        _as_internal(lambda: pd.read_csv(path))
        _file_sha256(path)

    cases = {
        "baseline: re-read + content hash": reread,
        "email, frame as loaded": lambda: session.unmask(df, ["email"]),
        "email, filtered + sorted + reset_index": lambda: session.unmask(derived, ["email"]),
        "birth_date, derived (keeps order_id)": lambda: session.unmask(derived, ["birth_date"]),
        "email, derived without order_id": lambda: session.unmask(no_id, ["email"]),
    }
    results = {name: median_seconds(fn, args.repeat) for name, fn in cases.items()}
    base = results["baseline: re-read + content hash"]
    print(f"rows: {args.rows:,}  derived rows: {len(derived):,}  repeat: {args.repeat}")
    print(f"{'case':45} {'median s':>9} {'x baseline':>11}")
    for name, seconds in results.items():
        print(f"{name:45} {seconds:9.3f} {seconds / base:11.2f}")


if __name__ == "__main__":
    main()
