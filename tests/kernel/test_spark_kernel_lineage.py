"""Spark lineage in a real kernel: the first cell that starts Spark governs an in-memory frame, unmasks
every masked column (no masking step is left in the plan), and writes from it in the same cell; the Spark
write, a SQL script's write (seen through a listener behind Py4J's callback server) and the pandas copy's
write are logged with the dataset."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from kernel_cells import run_cells

pytest.importorskip("pyspark")

CELLS = [
    ("ext", "%load_ext jupyter_privacy"),
    ("purpose", "%privacy_purpose churn-model --basis legitimate_interest --ref LIA-2026-014"),
    (
        "spark",
        "import os, sys\n"
        "os.environ['PYSPARK_PYTHON'] = sys.executable\n"
        "import pandas as pd\n"
        "import jupyter_privacy as jp\n"
        "from pyspark.sql import SparkSession\n"
        "spark = (SparkSession.builder.master('local[1]').config('spark.ui.enabled', 'false')\n"
        "         .config('spark.sql.shuffle.partitions', '2').getOrCreate())\n"
        "people = jp.govern(spark.createDataFrame(pd.read_csv('data/customers.csv')[['email', 'plan']]))\n"
        "opened = jp.unmask(people, ['email'])\n"
        "opened.groupBy('plan').count().write.parquet('by_plan')\n"
        "opened.toPandas().to_csv('opened.csv', index=False)\n"
        "opened.createOrReplaceTempView('opened_v')\n"
        "spark.sql(\"BEGIN INSERT OVERWRITE DIRECTORY 'by_script' USING parquet SELECT plan FROM opened_v; END\")\n"
        "spark.stop()",
    ),
]


def test_a_fully_unmasked_spark_frame_is_traced_from_the_first_spark_cell(
    tmp_path: Path, examples_dir: Path, policy_writer: Callable[..., tuple[Path, Path]], test_key: str
) -> None:
    run = run_cells(
        tmp_path,
        CELLS,
        policy_writer=policy_writer,
        examples_dir=examples_dir,
        key=test_key,
        interception={"enabled": False},  # the pandas read stays a plain frame: one dataset, the Spark one
    )
    assert not run.errors("spark"), run.text("spark")
    (loaded,) = [r.payload for r in run.records if r.event == "dataset_loaded"]
    written = {Path(r.payload["path"]).name: r.payload for r in run.records if r.event == "output_written"}
    assert set(written) == {"by_plan", "opened.csv", "by_script"}
    assert all(w["datasets"] == [loaded["dataset"]] for w in written.values())
    assert written["by_plan"]["engine"] == "spark" and written["opened.csv"]["via"].endswith("to_csv")
    assert written["by_script"]["via"] == "SparkSession.sql script (InsertIntoDataSourceDirCommand)"
