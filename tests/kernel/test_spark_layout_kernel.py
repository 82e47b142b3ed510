"""In a real kernel: ``%privacy_load ... --engine spark`` of a Parquet file whose column names are customers'
e-mail addresses (a pivot) and whose contact details are a struct: the masked frame's ``show()`` and its
load summary are saved in the notebook, so neither may hold a raw address (both did: the Spark frame kept
the file's column names, and a struct failed the load)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from kernel_cells import run_cells

pytest.importorskip("pyspark")

ADDRESSES = ["anna.devries@example.org", "bram.jansen@example.org", "carla.smit@example.org"]

CELLS = [
    ("ext", "%load_ext jupyter_privacy"),
    (
        "data",
        "import os, sys\n"
        "os.environ['PYSPARK_PYTHON'] = sys.executable\n"
        "import pyarrow as pa, pyarrow.parquet as pq\n"
        f"addresses = {ADDRESSES!r}\n"
        "rows = [{'id': i, 'contact': {'email': a, 'city': 'Utrecht'}} for i, a in enumerate(addresses * 100)]\n"
        "table = pa.Table.from_pylist(rows).append_column(addresses[0], pa.array(range(300)))\n"
        "pq.write_table(table, 'pivot.parquet')\n"
        "from pyspark.sql import SparkSession\n"
        "spark = (SparkSession.builder.master('local[1]').config('spark.ui.enabled', 'false')\n"
        "         .config('spark.sql.shuffle.partitions', '2').getOrCreate())",
    ),
    ("load", "pivot = %privacy_load pivot.parquet --engine spark"),
    ("show", "pivot.show(5, truncate=False)\nprint(pivot.columns)"),
    ("stop", "spark.stop()"),
]


def test_a_pivot_by_e_mail_address_with_a_struct_shows_no_address(
    tmp_path: Path, examples_dir: Path, policy_writer: Callable[..., tuple[Path, Path]], test_key: str
) -> None:
    run = run_cells(tmp_path, CELLS, policy_writer=policy_writer, examples_dir=examples_dir, key=test_key)
    for cell in ("load", "show"):
        assert not run.errors(cell), run.text(cell)
        shown = run.text(cell)
        assert not [a for a in ADDRESSES if a in shown], shown
    assert "contact.email" in run.text("show") and "contact.city" in run.text("show")
    assert [r.event for r in run.records].count("dataset_loaded") == 1
