"""Listing a Spark source named by a file-system URI, against a real local SparkSession: a few Py4J calls
whatever the number of files, and the same files Spark reads (hidden names skipped)."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from jupyter_privacy.engines.spark.source import hadoop_files


@contextmanager
def _py4j_calls(spark: Any) -> Iterator[list[str]]:
    """The Py4J round trips made inside the block (the gateway client's ``send_command``), but for the
    ones that free a dead Python object's Java reference (sent whenever the garbage collector runs)."""
    client = spark.sparkContext._gateway._gateway_client
    commands: list[str] = []
    send = client.send_command

    def counted(command: str, *args: Any, **kwargs: Any) -> Any:
        if not command.startswith("m\nd\n"):
            commands.append(command.split("\n", 3)[1])
        return send(command, *args, **kwargs)

    gc.collect()  # Java objects freed before the block are not its calls
    client.send_command = counted
    try:
        yield commands
    finally:
        del client.send_command  # back to the class's method


def _parts(folder: Path, n: int) -> Path:
    for i in range(n):
        part = folder / f"year={2020 + i % 4}" / f"part-{i:05d}.parquet"
        part.parent.mkdir(parents=True, exist_ok=True)
        part.write_bytes(b"PAR1")
    return folder


def test_the_listing_costs_the_same_py4j_calls_for_20_or_400_files(spark: Any, tmp_path: Path) -> None:
    calls = {}
    for n in (20, 400):
        uri = _parts(tmp_path / f"n{n}", n).as_uri()
        with _py4j_calls(spark) as commands:
            assert len(hadoop_files(spark, uri)) == n
        calls[n] = commands
    assert len(calls[400]) == len(calls[20]) < 40, calls  # the per-file iteration made ~4 calls per file


def test_a_folder_of_many_files_lists_as_os_walk_minus_hidden_names(spark: Any, tmp_path: Path) -> None:
    """3,000 part files in partition folders, each folder with Spark's ``_SUCCESS`` and Hadoop's ``.crc``
    files, a ``_temporary`` job folder, a ``.git`` folder, an empty file, a file over Spark's 2 GB
    binary-file limit (sparse: listing never opens a file), names to %-encode, an empty folder."""
    folder = _parts(tmp_path / "lake", 3000)
    for name in ("year=2020/_SUCCESS", "year=2021/.part-00001.parquet.crc", "_temporary/0/part-9.parquet"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"x")
    for name in (
        ".git/HEAD",
        "notes/.hidden/x.csv",
        "notes/_tmp.csv",
        "notes/empty.csv",
        "my data/%41 é#1.csv",
    ):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"" if "empty" in name else b"a,b\n")
    with (folder / "notes" / "big.bin").open("wb") as fh:
        fh.truncate(3 * 1024**3)
    (folder / "nothing here").mkdir()
    expected = sorted(
        f"file:{Path(top, name).as_posix()}"
        for top, _dirs, names in os.walk(folder)
        for name in names
        if not any(p.startswith(("_", ".")) for p in Path(top, name).relative_to(folder).parts)
    )
    assert len(expected) == 3000 + 3
    assert hadoop_files(spark, folder.as_uri()) == expected


def test_a_file_being_copied_is_skipped_as_spark_skips_it(spark: Any, tmp_path: Path) -> None:
    """``hadoop fs -put`` writes ``name._COPYING_`` and renames it when done: Spark does not read it, so it
    is not listed (named on its own, a file is listed whatever its name)."""
    folder = _parts(tmp_path / "parts", 2)
    copying = folder / "year=2020" / "part-00002.parquet._COPYING_"
    copying.write_bytes(b"PAR1")
    assert [f.rsplit("/", 1)[-1] for f in hadoop_files(spark, folder.as_uri())] == [
        "part-00000.parquet",
        "part-00001.parquet",
    ]
    assert hadoop_files(spark, f"file:{copying.as_posix()}") == [f"file:{copying.as_posix()}"]
