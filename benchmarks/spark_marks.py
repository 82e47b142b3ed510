"""Cost of reading a Spark frame's governed datasets off its plan, the check every governed write,
``toPandas()`` and unmask display runs (:func:`jupyter_privacy.kernel.spark_marks.spark_datasets_of`).

A governed frame of --columns columns (every fourth one an e-mail address, masked), 1,000 rows in memory,
is derived --depth times (each step a join with another governed frame and a filter), so its plan grows.
For each depth, in the same process and session, medians of --repeat:

- ``check``: ``spark_datasets_of(frame)`` (plan text, then every candidate mark checked on the plan's nodes);
- ``text only``: the plan text alone (what a check that trusted the text would cost);
- ``write``: the write it guards, ``frame.write.parquet`` of the same frame (no lineage hooks installed);
- ``show check``: :func:`~jupyter_privacy.kernel.spark_marks.grants_shown` of the frame derived from an
  unmask's (grant-marked) frame, the check each ``show()`` runs once the kernel holds a Spark grant;
- ``show``: the table it guards, ``show()``'s text of 20 rows (``_show_string``, no hooks installed).

Py4J round trips of one check are counted on the gateway client.

    .venv/bin/python benchmarks/spark_marks.py [--depth 1,4,16] [--columns 24] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import pandas as pd
from _scratch import scratch_dir

from jupyter_privacy.kernel.session import PrivacySession
from jupyter_privacy.kernel.spark_load import govern_spark_frame
from jupyter_privacy.kernel.spark_marks import _analysed, grants_shown, mark_grant, spark_datasets_of

ROWS = 1000
GRANT = "g-0123456789ab"
GRANTED = {GRANT: ["a0"]}  # the first e-mail column, unmasked


def frame(columns: int, tag: str) -> pd.DataFrame:
    data: dict[str, Any] = {"key": range(ROWS)}
    for c in range(columns - 1):
        data[f"{tag}{c}"] = (
            [f"person.{i}.{c}@example.org" for i in range(ROWS)]
            if c % 4 == 0
            else [i * c for i in range(ROWS)]
        )
    return pd.DataFrame(data)


def timed(fn: Callable[[], Any], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def py4j_calls(spark: Any, fn: Callable[[], Any]) -> int:
    client = spark.sparkContext._gateway._gateway_client
    send, calls = client.send_command, [0]

    def counted(command: str, *args: Any, **kwargs: Any) -> Any:
        calls[0] += not command.startswith("m\nd\n")  # not the frees of dead Python objects' references
        return send(command, *args, **kwargs)

    client.send_command = counted
    try:
        fn()
    finally:
        del client.send_command
    return calls[0]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--depth", default="1,4,16")
    parser.add_argument("--columns", type=int, default=24)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=FutureWarning)  # PySpark's pandas-3 notice
    work = scratch_dir("jp-spark-marks-")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ.setdefault("JUPYTER_PRIVACY_KEY", "b" * 64)
    os.environ["JUPYTER_PRIVACY_NOTEBOOK"] = str(work / "bench.ipynb")
    os.environ["HOME"] = str(work)  # the ledger goes into a throw-away home
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    session = PrivacySession()
    session.start()
    results = []
    for depth in [int(d) for d in args.depth.split(",")]:
        governed = govern_spark_frame(session, spark.createDataFrame(frame(args.columns, "a")))
        derived = mark_grant(governed, GRANT)  # as an unmask's frame is marked
        for step in range(depth):
            other = govern_spark_frame(session, spark.createDataFrame(frame(args.columns, f"b{step}_")))
            derived = derived.join(other, "key").filter(f"key % {step + 2} != 1")
        ids = spark_datasets_of(derived)
        assert len(ids) == depth + 1, ids
        row = {
            "depth": depth,
            "check_ms": timed(lambda: spark_datasets_of(derived), args.repeat) * 1000,  # noqa: B023
            "text_only_ms": timed(lambda: _analysed(derived), args.repeat) * 1000,  # noqa: B023
            "write_ms": timed(
                lambda: derived.write.mode("overwrite").parquet(str(work / "out")),  # noqa: B023
                args.repeat,
            )
            * 1000,
            "check_py4j_calls": py4j_calls(spark, lambda: spark_datasets_of(derived)),  # noqa: B023
            "show_check_ms": timed(lambda: grants_shown(derived, GRANTED), args.repeat) * 1000,  # noqa: B023
            "show_ms": timed(lambda: derived._show_string(20), args.repeat) * 1000,  # noqa: B023
            "show_check_py4j_calls": py4j_calls(spark, lambda: grants_shown(derived, GRANTED)),  # noqa: B023
        }
        assert grants_shown(derived, GRANTED) == {GRANT}
        shown = {k: round(v, 1) if isinstance(v, float) else v for k, v in row.items()}
        shown["check_vs_write"] = round(row["check_ms"] / row["write_ms"], 4)
        shown["show_check_vs_show"] = round(row["show_check_ms"] / row["show_ms"], 4)
        print(json.dumps(shown), flush=True)
        results.append(row)
    spark.stop()


if __name__ == "__main__":
    main()
