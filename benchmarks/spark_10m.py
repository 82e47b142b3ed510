"""Governed Spark load + write vs plain ``spark.read.parquet(...).write.parquet(...)``, 10,000,000 rows.

    python benchmarks/spark_10m.py [--rows 10000000] [--people 200000] [--repeat 3] [--data DIR]

The Parquet input (8 part files; 5 personal-data columns -- name, email, phone, SSN, street -- drawn
from a pool of --people distinct people, plus an id, an amount and a status) is generated once into
benchmarks/out/ (git-ignored) and reused. One ``local[2]`` SparkSession runs everything; after one
warm-up of each, plain and governed runs alternate and the medians are compared:

- plain: ``spark.read.parquet(src).write.parquet(out)``;
- governed: ``load(src, engine="spark")`` (sample, scan, content hash, row count, masking plan, log)
  then ``.write.parquet(out)`` (Spark masks while it writes).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _data import people_pool  # noqa: E402
from _scratch import scratch_dir  # noqa: E402

PARTS = 8


def generate(folder: Path, rows: int, people: int) -> Path:
    """The input table, written once (a marker file says it is complete)."""
    done = folder / "_COMPLETE"
    if done.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    pool = people_pool(people)[["name", "email", "phone", "ssn", "street"]]
    columns = {c: pa.array(pool[c].to_numpy(dtype=object), pa.string()) for c in pool.columns}
    rng = np.random.default_rng(2)
    per_part = rows // PARTS
    for part in range(PARTS):
        n = per_part if part < PARTS - 1 else rows - per_part * (PARTS - 1)
        picks = pa.array(rng.integers(0, people, size=n))
        table = pa.table(
            {
                "customer_id": pa.array(np.arange(part * per_part, part * per_part + n)),
                **{c: values.take(picks) for c, values in columns.items()},
                "amount": pa.array(rng.uniform(0, 1000, size=n).round(2)),
                "status": pa.array(rng.choice(["new", "paid", "shipped", "returned"], size=n)),
            }
        )
        pq.write_table(table, folder / f"part-{part:05d}.parquet")
    done.touch()
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, default=None)
    args = parser.parse_args()
    data = args.data or HERE / "out" / f"spark_{args.rows}_{args.people}"
    t0 = time.perf_counter()
    generate(data, args.rows, args.people)
    print(f"input: {data} ({time.perf_counter() - t0:.1f} s to generate or find)", flush=True)

    work = scratch_dir("jp-spark-bench-")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ.setdefault("JUPYTER_PRIVACY_KEY", "b" * 64)
    os.environ["JUPYTER_PRIVACY_NOTEBOOK"] = str(work / "bench.ipynb")
    os.environ["JUPYTER_PRIVACY_POLICY"] = str(HERE.parent / "examples" / "privacy_policy.yaml")
    os.environ["HOME"] = str(work)  # the ledger goes into a throw-away home

    from pyspark.sql import SparkSession

    import jupyter_privacy
    from jupyter_privacy.kernel import _warm_up

    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "4g")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    _warm_up()  # as %load_ext jupyter_privacy does

    def plain(out: Path) -> float:
        t = time.perf_counter()
        spark.read.parquet(str(data)).write.mode("overwrite").parquet(str(out))
        return time.perf_counter() - t

    loads: list[float] = []

    def governed(out: Path) -> float:
        t = time.perf_counter()
        masked = jupyter_privacy.load(str(data), engine="spark", spark=spark)
        loads.append(time.perf_counter() - t)
        masked.write.mode("overwrite").parquet(str(out))
        return time.perf_counter() - t

    results: dict[str, list[float]] = {"plain": [], "governed": []}
    for i in range(args.repeat + 1):
        for name, fn in (("plain", plain), ("governed", governed)):
            seconds = fn(work / f"{name}-{i}")
            shutil.rmtree(work / f"{name}-{i}", ignore_errors=True)  # keep the disk use to one copy
            part = (
                f" (load {loads[-1]:.2f} s, masked write {seconds - loads[-1]:.2f} s)"
                if name == "governed"
                else ""
            )
            print(f"{'warm-up ' if i == 0 else ''}{name}: {seconds:.2f} s{part}", flush=True)
            if i:
                results[name].append(seconds)
    medians = {k: statistics.median(v) for k, v in results.items()}
    medians["governed_load"] = statistics.median(loads[1:])
    print(
        json.dumps(
            {
                "rows": args.rows,
                "people": args.people,
                "medians_s": medians,
                "ratio": round(medians["governed"] / medians["plain"], 2),
            }
        )
    )
    spark.stop()


if __name__ == "__main__":
    main()
