"""The package's jar works wherever the package is installed: a folder name with a space (a Windows
user, macOS' "Application Support"), '#' or '%' (a real SparkSession of its own, in a child process:
the shared session of the other tests has the jar loaded already)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_privacy.engines.spark.jvm import JAR

SCRIPT = """
import shutil, sys
from pathlib import Path
from pyspark.sql import SparkSession, functions as F
from jupyter_privacy.engines.spark import jvm
from jupyter_privacy.mask.keys import MaskingKey
from jupyter_privacy.mask.tokens import token_for

folder = Path(sys.argv[1])
folder.mkdir(parents=True)
jvm.JAR = Path(shutil.copy(jvm.JAR, folder / jvm.JAR.name))
spark = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").getOrCreate()
spark.sparkContext.setLogLevel("OFF")
key = MaskingKey("5f3e" * 16)
tokens = jvm.token_column(spark, F.col("name"), key=key, entity="PERSON", name="jp_mask_ds-000000000000")
print("loaded" if tokens is not None else "not loaded")
frame = spark.createDataFrame([("Ann Lee",)], "name string").repartition(1)  # a task the executor runs
got = frame.select(tokens.alias("name")).collect()[0]["name"] if tokens is not None else None
print("same token" if got == token_for("Ann Lee", key, "PERSON") else "other token")
spark.stop()
"""


@pytest.mark.parametrize("folder", ["site packages", "C#-tools", "100%20done"])
def test_the_jar_loads_from_a_folder_of_any_name(tmp_path: Path, folder: str) -> None:
    assert JAR.is_file(), "the install did not build the Spark jar (is javac on PATH?)"
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / folder / "java")],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert run.stdout.split("\n")[:2] == ["loaded", "same token"], run.stdout + run.stderr[-3000:]
