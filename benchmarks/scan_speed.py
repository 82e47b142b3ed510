"""Scan time of a 1,000,000 x 12 frame against a 10,000 x 12 frame, measured in one process.

    python benchmarks/scan_speed.py [--rows 1000000] [--small 10000] [--repeat 5]

Sampling makes the scan cost depend on the sample, not the frame: the two times should be about
the same (at most 1.5x), and the large scan should stay under 0.5 s. The re-identification figure (k-anonymity) is
the one part computed over every row; its hashing runs on a second thread while the columns are
classified, so the CPU time (all threads) is printed beside the wall time. Prints medians.
"""

from __future__ import annotations

import argparse
import statistics
import time

from _data import people_pool, wide_table

from jupyter_privacy.detect import scan_dataframe
from jupyter_privacy.detect.names import name_data
from jupyter_privacy.detect.places import place_names
from jupyter_privacy.policy import default_policy


def median_seconds(fn, repeat: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Median wall time and median CPU time (all threads of the process) of ``fn``."""
    times, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(times), statistics.median(cpu)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--small", type=int, default=10_000)
    ap.add_argument("--pool", type=int, default=20_000, help="distinct people to draw rows from")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    pool = people_pool(args.pool)
    big = wide_table(args.rows, pool)
    small = wide_table(args.small, pool)
    policy = default_policy()

    t0 = time.perf_counter()
    first = scan_dataframe(small, policy)
    cold = time.perf_counter() - t0  # includes building the recognisers once per process

    # the name and place lists (Faker, nameparser) load once per process; time a rebuild of each
    loads = {}
    for label, cached in (("name lists", name_data), ("place names", place_names)):
        cached.cache_clear()
        t0 = time.perf_counter()
        cached()
        loads[label] = time.perf_counter() - t0

    t_small, cpu_small = median_seconds(lambda: scan_dataframe(small, policy), args.repeat)
    t_big, cpu_big = median_seconds(lambda: scan_dataframe(big, policy), args.repeat)
    flagged = ", ".join(f"{c.name}={c.category}" for c in first.columns)
    print(f"columns: {flagged}")
    print(f"first scan in this process (builds recognisers, loads name lists): {cold:.3f} s")
    for label, seconds in loads.items():
        print(f"  rebuilding the cached {label} (modules already imported): {seconds:.3f} s")
    print(f"scan {args.small:>9,} x {small.shape[1]} rows: median {t_small:.3f} s (CPU {cpu_small:.3f} s)")
    print(f"scan {args.rows:>9,} x {big.shape[1]} rows: median {t_big:.3f} s (CPU {cpu_big:.3f} s)")
    print(f"ratio large/small: {t_big / t_small:.2f}x   (target: <= 1.5x, large < 0.5 s)")
    print(f"CPU ratio large/small: {cpu_big / cpu_small:.2f}x (the whole-frame hashing, on a second thread)")
    print(f"rows describe: {first.table.subjects} ({'; '.join(first.table.reasons)})")


if __name__ == "__main__":
    main()
