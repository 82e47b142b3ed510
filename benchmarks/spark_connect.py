"""The Spark engine on a classic session and on Spark Connect: governed load + write against a plain copy.

    python benchmarks/spark_connect.py [--rows 1000000] [--people 200000] [--repeat 3]

The input is benchmarks/spark_10m.py's generated Parquet table (5 personal-data string columns). Two
phases, one after the other (one JVM at a time): a classic ``local[2]`` SparkSession in this process,
then a Spark Connect server (its own process, ``local[2]``: tests/spark_connect.py) and a Connect client
session. Both have 4 GB of driver memory, the UI and the event log off. In each phase, after one warm-up of each, plain
and governed runs alternate and the medians are compared:

- plain: ``spark.read.parquet(src).write.parquet(out)``;
- governed: ``load(src, engine="spark", spark=...)`` then ``.write.parquet(out)``. On the classic session
  the string columns are masked by the package's JVM function; on Connect by Arrow UDFs (no jar there).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from _scratch import scratch_dir  # noqa: E402
from spark_10m import generate  # noqa: E402

CONF = {"spark.driver.memory": "4g", "spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false"}


def measure(spark: Any, data: Path, work: Path, repeat: int, tag: str) -> dict[str, float]:
    import jupyter_privacy

    def plain(out: Path) -> float:
        t = time.perf_counter()
        spark.read.parquet(str(data)).write.mode("overwrite").parquet(str(out))
        return time.perf_counter() - t

    def governed(out: Path) -> float:
        t = time.perf_counter()
        jupyter_privacy.load(str(data), engine="spark", spark=spark).write.mode("overwrite").parquet(str(out))
        return time.perf_counter() - t

    runs: dict[str, list[float]] = {"plain": [], "governed": []}
    steps: tuple[tuple[str, Callable[[Path], float]], ...] = (("plain", plain), ("governed", governed))
    for i in range(repeat + 1):
        for name, fn in steps:
            seconds = fn(work / f"{tag}-{name}-{i}")
            shutil.rmtree(work / f"{tag}-{name}-{i}", ignore_errors=True)
            print(f"{tag} {'warm-up ' if i == 0 else ''}{name}: {seconds:.2f} s", flush=True)
            if i:
                runs[name].append(seconds)
    return {k: statistics.median(v) for k, v in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = generate(HERE / "out" / f"spark_{args.rows}_{args.people}", args.rows, args.people)
    work = scratch_dir("jp-spark-connect-bench-")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ.setdefault("JUPYTER_PRIVACY_KEY", "b" * 64)
    os.environ["JUPYTER_PRIVACY_NOTEBOOK"] = str(work / "bench.ipynb")
    os.environ["JUPYTER_PRIVACY_POLICY"] = str(HERE.parent / "examples" / "privacy_policy.yaml")
    os.environ["HOME"] = str(work)

    from pyspark.sql import SparkSession
    from spark_connect import start_server

    from jupyter_privacy.kernel import _warm_up

    _warm_up()
    builder = SparkSession.builder.master("local[2]")
    for key, value in CONF.items():
        builder = builder.config(key, value)
    classic = builder.getOrCreate()
    classic.sparkContext.setLogLevel("ERROR")
    results = {"classic": measure(classic, data, work, args.repeat, "classic")}
    classic.stop()

    server = start_server(work / "events", conf={**CONF, "spark.eventLog.enabled": "false"})
    os.environ["SPARK_CONNECT_MODE_ENABLED"] = "1"  # as SparkSession.builder.remote(...) leaves it
    connect = server.session()
    try:
        results["connect"] = measure(connect, data, work, args.repeat, "connect")
    finally:
        connect.stop()
        server.stop()
    for phase in results.values():
        phase["ratio"] = round(phase["governed"] / phase["plain"], 2)
    summary = {
        "rows": args.rows,
        "medians_s": results,
        "connect_governed_over_classic_governed": round(
            results["connect"]["governed"] / results["classic"]["governed"], 2
        ),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
