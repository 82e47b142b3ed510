"""A Spark Connect session in a real kernel: the notebook connects to a real Connect server (its own
process, tests/spark_connect.py) with ``SparkSession.builder.remote("sc://...")``, as on a cluster, and
governs, unmasks, writes and shows through the magics; lineage and the raw-display marks work off the
plan the Connect client sends."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from kernel_cells import run_cells

from jupyter_privacy.records.clean_outputs import MARK_KEY

pytest.importorskip("pyspark")
pytest.importorskip("grpc")


def _cells(url: str) -> list[tuple[str, str]]:
    return [
        ("ext", "%load_ext jupyter_privacy"),
        ("purpose", "%privacy_purpose churn-model --basis legitimate_interest --ref LIA-2026-014"),
        (
            "connect",
            "from pyspark.sql import SparkSession\n"
            f"spark = SparkSession.builder.remote({url!r}).getOrCreate()\n"
            "print(type(spark).__module__)",
        ),
        ("load", "customers = %privacy_load data/customers.csv --engine spark --quiet"),
        ("unmask", "%privacy_unmask customers --columns email --as contacts"),
        (
            "write",
            "import os\n"  # the server resolves a relative path below its own working directory
            "contacts.groupBy('plan').count().write.parquet(os.path.abspath('by_plan'))\n"
            "customers.write.parquet(os.path.abspath('masked'))",
        ),
        ("pandas", "contacts.toPandas().to_csv('opened.csv', index=False)"),
        ("shown", "contacts.show(3, truncate=7)"),
        ("kept", "customers.select('email').show(3, truncate=5)"),
    ]


def test_a_connect_session_in_a_kernel_is_governed_traced_and_its_raw_displays_marked(
    tmp_path: Path,
    examples_dir: Path,
    policy_writer: Callable[..., tuple[Path, Path]],
    test_key: str,
    spark_connect_server: Any,
) -> None:
    run = run_cells(
        tmp_path,
        _cells(spark_connect_server.url),
        policy_writer=policy_writer,
        examples_dir=examples_dir,
        key=test_key,
    )
    for cell_id in ("connect", "load", "unmask", "write", "pandas", "shown", "kept"):
        assert not run.errors(cell_id), run.text(cell_id)
    assert "pyspark.sql.connect" in run.text("connect")
    (loaded,) = [r.payload for r in run.records if r.event == "dataset_loaded"]
    assert loaded["engine"] == "spark"
    written = {Path(r.payload["path"]).name: r.payload for r in run.records if r.event == "output_written"}
    assert set(written) == {"by_plan", "masked", "opened.csv"}
    assert all(w["datasets"] == [loaded["dataset"]] for w in written.values())
    (granted,) = [r.payload for r in run.records if r.event == "unmask_granted"]
    outputs = run.cell("shown").outputs
    assert [o["output_type"] for o in outputs] == ["display_data"]
    assert outputs[0]["metadata"][MARK_KEY]["grants"] == [granted["grant"]]
    assert all(MARK_KEY not in o.get("metadata", {}) for o in run.cell("kept").outputs)
    emails = pd.read_csv(examples_dir / "data" / "customers.csv")["email"]
    assert not set(emails) & set(pd.read_parquet(tmp_path / "masked")["email"])
