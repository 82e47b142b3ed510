"""What the ungoverned-read audit hook costs: file opens and reads before and after it is installed.

    .venv/bin/python benchmarks/audit_hook.py [--n 20000]

One process: the session loads ``examples/data/customers.csv`` (so one file is governed) and the hook is
installed. An audit hook cannot be removed, so the baseline is the hook with no active session (it returns
after two string comparisons), measured in rounds interleaved with the active hook: medians of 9 rounds
each, ratio active/baseline. A round before the hook existed is printed too (first, so it also carries
warm-up effects; on a shared machine treat it as indicative).

- ``open()`` + ``close()`` of a file that is not governed (every open in the process pays this);
- ``pd.read_csv`` of a small file that is not governed;
- ``open()`` of the governed file from "notebook code" (a hit: the stack is walked and a read noted).
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

from jupyter_privacy.kernel import ungoverned
from jupyter_privacy.kernel.session import PrivacySession
from jupyter_privacy.kernel.ungoverned import UngovernedReads
from jupyter_privacy.policy import load_policy

ROOT = Path(__file__).resolve().parents[1]


def per_call_us(fn: Callable[[], object], n: int, rounds: int = 7) -> float:
    medians = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        medians.append((time.perf_counter() - t0) / n * 1e6)
    return statistics.median(medians)


def open_close(path: Path) -> Callable[[], None]:
    def run() -> None:
        with open(path, "rb"):
            pass

    return run


def measure(plain: Path, small: Path, n: int, rounds: int = 7) -> dict[str, float]:
    return {
        "open": per_call_us(open_close(plain), n, rounds),
        "read_csv": per_call_us(lambda: pd.read_csv(small), max(50, n // 100), rounds),
    }


def interleaved(
    reads: UngovernedReads, plain: Path, small: Path, n: int
) -> tuple[dict[str, float], dict[str, float]]:
    """(inactive, active) medians of rounds that alternate between the two states."""
    samples: dict[bool, list[dict[str, float]]] = {False: [], True: []}
    for _ in range(9):
        for active in (False, True):
            ungoverned._ACTIVE = reads if active else None
            samples[active].append(measure(plain, small, n, rounds=1))
    ungoverned._ACTIVE = reads
    return tuple(  # type: ignore[return-value]
        {k: statistics.median(s[k] for s in samples[a]) for k in ("open", "read_csv")} for a in (False, True)
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        plain, small = directory / "plain.txt", directory / "small.csv"
        plain.write_text("x\n")
        pd.DataFrame({"a": range(100), "b": ["x"] * 100}).to_csv(small, index=False)
        before = measure(plain, small, args.n)

        policy = yaml.safe_load((ROOT / "examples" / "privacy_policy.yaml").read_text("utf-8"))
        policy["log"]["path"] = str(directory / "ledger.sqlite3")
        (directory / "policy.yaml").write_text(yaml.safe_dump(policy), "utf-8")
        os.environ["JUPYTER_PRIVACY_KEY"] = "5f" * 32
        os.environ["JUPYTER_PRIVACY_NOTEBOOK"] = str(directory / "bench.ipynb")
        session = PrivacySession(policy=load_policy(directory / "policy.yaml"))
        governed = directory / "customers.csv"
        governed.write_bytes((ROOT / "examples" / "data" / "customers.csv").read_bytes())
        session.load(governed)
        reads = UngovernedReads(session)
        reads.install()
        inactive, after = interleaved(reads, plain, small, args.n)
        hit = per_call_us(open_close(governed), max(100, args.n // 10))
        noted = sum(h.count for h in reads.pending.values())
        reads.uninstall()
        session.close()
    for what in ("open", "read_csv"):
        print(
            f"{what:9s} no hook yet {before[what]:8.2f} us | hook idle {inactive[what]:8.2f} us | "
            f"hook active {after[what]:8.2f} us | active/idle {after[what] / inactive[what]:.3f}"
        )
    print(f"open of the governed file (a noted read): {hit:.2f} us per open ({noted:,} reads noted)")


if __name__ == "__main__":
    main()
