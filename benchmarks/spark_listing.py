"""Listing a Spark source's files (what a load hashes and an unmask re-checks) for a folder of N small
files named by a ``file:`` URI, three ways, in one process and one local[2] SparkSession:

- ``py4j_per_file`` (the code before, kept here as the baseline): Hadoop's ``fs.listFiles(path, true)``
  iterated from Python, ``hasNext``/``next``/``getPath``/``toString`` per file;
- ``listfiles_in_jvm``: the same Hadoop iterator drained inside the JVM (``RemoteIterators.toList``, the
  paths joined in one string), to tell the Py4J round trips from Hadoop's own per-file cost;
- ``spark_file_index`` (the code now, ``hadoop_files``): Spark's file index lists the folder.

Each is timed ``--repeat`` times (median), with its Py4J round trips (but for the frees of dead Python
objects' Java references) and the processes the whole machine started meanwhile (Linux ``/proc/stat``:
Hadoop's local file system, without its native library, runs a process to read a file's permissions);
the three lists are checked equal.

    python benchmarks/spark_listing.py [--files 20000] [--repeat 1] [--per-folder 200]
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def make_folder(root: Path, files: int, per_folder: int = 200) -> Path:
    """``files`` small part files in ``year=/month=`` folders of ``per_folder``, each with a ``_SUCCESS``."""
    for i in range(files):
        folder = root / f"year={2000 + i // (12 * per_folder)}" / f"month={i // per_folder % 12 + 1:02d}"
        if i % per_folder == 0:
            folder.mkdir(parents=True)
            (folder / "_SUCCESS").touch()
        (folder / f"part-{i:06d}.parquet").write_bytes(b"PAR1")
    return root


def py4j_per_file(spark: Any, uri: str) -> list[str]:
    """The listing before: one Py4J round trip per step per file."""
    from jupyter_privacy.engines.spark.source import _hidden

    jvm = spark._jvm
    root = jvm.org.apache.hadoop.fs.Path(uri)
    fs = root.getFileSystem(spark._jsc.hadoopConfiguration())
    base = str(fs.makeQualified(root).toString()).rstrip("/")
    listing = fs.listFiles(root, True)
    found = []
    while listing.hasNext():
        found.append(str(listing.next().getPath().toString()))
    return sorted(f for f in found if not _hidden(f[len(base) :]))


def listfiles_in_jvm(spark: Any, uri: str) -> list[str]:
    """The same Hadoop iterator, drained in the JVM: a fixed number of Py4J calls."""
    from jupyter_privacy.engines.spark.source import _hidden

    jvm, gateway = spark._jvm, spark.sparkContext._gateway
    root = jvm.org.apache.hadoop.fs.Path(uri)
    fs = root.getFileSystem(spark._jsc.hadoopConfiguration())
    base = str(fs.makeQualified(root).toString()).rstrip("/")
    statuses = jvm.org.apache.hadoop.util.functional.RemoteIterators.toList(fs.listFiles(root, True))
    n = statuses.size()
    typed = gateway.new_array(jvm.org.apache.hadoop.fs.FileStatus, n)  # Py4J wants exact array types
    jvm.java.lang.System.arraycopy(statuses.toArray(), 0, typed, 0, n)
    paths, objects = (
        jvm.org.apache.hadoop.fs.FileUtil.stat2Paths(typed),
        gateway.new_array(jvm.java.lang.Object, n),
    )
    jvm.java.lang.System.arraycopy(paths, 0, objects, 0, n)
    joined = str(jvm.org.apache.hadoop.util.StringUtils.join("\x00", jvm.java.util.Arrays.asList(objects)))
    return sorted(f for f in joined.split("\x00") if f and not _hidden(f[len(base) :]))


def spark_file_index(spark: Any, uri: str) -> list[str]:
    from jupyter_privacy.engines.spark.source import hadoop_files

    return hadoop_files(spark, uri)


KINDS: dict[str, Callable[[Any, str], list[str]]] = {
    "py4j_per_file": py4j_per_file,
    "listfiles_in_jvm": listfiles_in_jvm,
    "spark_file_index": spark_file_index,
}


def processes_started() -> int:
    """Processes the machine has started since boot (``/proc/stat``), -1 where there is none."""
    try:
        line = next(x for x in Path("/proc/stat").read_text().splitlines() if x.startswith("processes "))
    except (OSError, StopIteration):
        return -1
    return int(line.split()[1])


def measure(spark: Any, fn: Callable[[Any, str], list[str]], uri: str) -> tuple[float, int, int, list[str]]:
    client = spark.sparkContext._gateway._gateway_client
    send, calls = client.send_command, [0]

    def counted(command: str, *args: Any, **kwargs: Any) -> Any:
        calls[0] += not command.startswith("m\nd\n")  # not the frees of dead Python objects' references
        return send(command, *args, **kwargs)

    gc.collect()
    client.send_command = counted
    forks, start = processes_started(), time.perf_counter()
    try:
        files = fn(spark, uri)
    finally:
        del client.send_command
    return time.perf_counter() - start, calls[0], processes_started() - forks, files


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--per-folder", type=int, default=200, help="files per month= folder")
    args = parser.parse_args()
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    work = Path(tempfile.mkdtemp(prefix="jp-spark-listing-"))
    try:
        uri = make_folder(work / "lake", args.files, args.per_folder).as_uri()
        warm = make_folder(work / "warm", 10).as_uri()
        for fn in KINDS.values():  # classes looked up and code paths loaded once, as in a session
            fn(spark, warm)
        results: dict[str, list[tuple[float, int, int, list[str]]]] = {k: [] for k in KINDS}
        for _ in range(args.repeat):
            for kind, fn in KINDS.items():
                results[kind].append(measure(spark, fn, uri))
        report(results, args.files, args.per_folder)
        latency = round_trip(spark)
        print(
            f"one Py4J round trip: {latency * 1e6:.0f} us (median of 5 x 2,000 Path.toString() calls); "
            f"4 per file is {4 * args.files * latency:.2f} s for {args.files} files at that latency"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
        spark.stop()


def round_trip(spark: Any) -> float:
    """The median time of one Py4J call (a Hadoop ``Path.toString()``), in seconds."""
    path = spark._jvm.org.apache.hadoop.fs.Path("file:/tmp")
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(2000):
            path.toString()
        runs.append((time.perf_counter() - start) / 2000)
    return statistics.median(runs)


def report(results: dict[str, list[tuple[float, int, int, list[str]]]], files: int, per_folder: int) -> None:
    lists = {kind: runs[0][3] for kind, runs in results.items()}
    same = all(found == lists["py4j_per_file"] for found in lists.values())
    base = statistics.median(r[0] for r in results["py4j_per_file"])
    folders = (files + per_folder - 1) // per_folder
    print(f"{files} data files in {folders} folders (+ {folders} _SUCCESS); lists identical: {same}")
    print(
        f"{'listing':<18} {'median s':>9} {'py4j calls':>11} {'processes':>10} {'files':>7} {'speed-up':>9}"
    )
    for kind, runs in results.items():
        seconds = statistics.median(r[0] for r in runs)
        calls, forks = runs[-1][1], runs[-1][2]
        print(
            f"{kind:<18} {seconds:9.3f} {calls:11d} {forks:10d} {len(lists[kind]):7d} {base / seconds:8.1f}x"
        )
    if not same:
        sys.exit("the listings differ")


if __name__ == "__main__":
    main()
