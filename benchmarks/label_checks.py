"""What checking labels (column names, index labels) costs: the record gate and the governed-load check.

    .venv/bin/python benchmarks/label_checks.py [--repeat 7]

Side by side in one process, medians of ``--repeat`` runs:

1. the record gate (``LabelGuard.sanitise``) on a real ``dataset_loaded`` payload against appending that
   record to the SQLite log (WAL, synchronous=FULL);
2. the gate on an ``output_written`` record of a pivot with 1,000 and 10,000 e-mail columns, against
   the append of the (tokenised) record;
3. the label check of a governed load (``LabelGuard.prepare``: index exposure, every column name through
   the recognisers and NER) against the whole ``%privacy_load`` of ``examples/data/customers.csv``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import yaml

from jupyter_privacy.kernel.labels import LabelGuard
from jupyter_privacy.kernel.session import PrivacySession
from jupyter_privacy.policy import load_policy

ROOT = Path(__file__).resolve().parents[1]


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def session_in(directory: Path) -> PrivacySession:
    policy = yaml.safe_load((ROOT / "examples" / "privacy_policy.yaml").read_text("utf-8"))
    policy["log"]["path"] = str(directory / "ledger.sqlite3")
    path = directory / "policy.yaml"
    path.write_text(yaml.safe_dump(policy), "utf-8")
    os.environ["JUPYTER_PRIVACY_KEY"] = "5f" * 32
    os.environ["JUPYTER_PRIVACY_NOTEBOOK"] = str(directory / "bench.ipynb")
    return PrivacySession(policy=load_policy(path))


def pivot_gate(session: PrivacySession, n: int, repeat: int) -> None:
    """The gate on an ``output_written`` record whose columns are ``n`` raw e-mail addresses."""
    columns = [f"person{i}.example{i % 97}@example.org" for i in range(n)]
    written = {"path": "/tmp/pivot.csv", "datasets": ["ds-1"], "columns": columns}
    fresh = LabelGuard(lambda: session.key)
    first = median_seconds(lambda: fresh.sanitise(written), 1)  # tokens computed once per label
    again = median_seconds(lambda: fresh.sanitise(written), repeat)
    clean = fresh.sanitise(written)
    store = session.store
    append = median_seconds(
        lambda: store.append("/bench/nb.ipynb", "output_written", clean, policy_sha256="0" * 64), repeat
    )
    print(
        f"2. output_written with {n:,} e-mail columns: gate {first * 1e3:.1f} ms first time, "
        f"{again * 1e3:.1f} ms after; append {append * 1e3:.1f} ms -> first/append {first / append:.2f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    customers = ROOT / "examples" / "data" / "customers.csv"
    with tempfile.TemporaryDirectory() as tmp:
        session = session_in(Path(tmp))
        session.load(customers)  # warm-up: recognisers, NER, key, log
        payload = next(
            r.payload for r in session.store.records(session.notebook) if r.event == "dataset_loaded"
        )
        store = session.store
        gate = median_seconds(lambda: session.labels.sanitise(payload), args.repeat * 10)
        append = median_seconds(
            lambda: store.append("/bench/nb.ipynb", "dataset_loaded", payload, policy_sha256="0" * 64),
            args.repeat * 10,
        )
        print(
            f"1. dataset_loaded record ({len(payload['findings'])} columns): gate {gate * 1e6:.0f} us, "
            f"append {append * 1e6:.0f} us -> gate/append {gate / append:.2f}",
            flush=True,
        )
        for n in (1_000, 10_000):
            pivot_gate(session, n, args.repeat)
        raw = pd.read_csv(customers)
        check = median_seconds(lambda: session.labels.prepare(raw.copy()), args.repeat)
        load = median_seconds(lambda: session.load(customers), args.repeat)
        print(
            f"3. governed load of {customers.name} ({raw.shape[0]:,} x {raw.shape[1]}): label check "
            f"{check * 1e3:.2f} ms of {load * 1e3:.0f} ms -> {check / load:.2%}",
            flush=True,
        )
        session.close()


if __name__ == "__main__":
    main()
