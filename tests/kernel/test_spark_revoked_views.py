"""Temporary views of a Spark unmask's frame after its grant is revoked, in one real kernel.

A view made while the purpose held (``contacts.createOrReplaceTempView("raw_v")``, a SQL view over it, a
global one) kept the raw plan under a name: after ``%privacy_purpose --end`` a SQL statement that writes
(``CREATE TABLE ... AS SELECT``, ``INSERT OVERWRITE DIRECTORY``, a SQL script) ran inside ``spark.sql``
and wrote the raw addresses, although the frame itself refused its rows. Such views are now dropped when
the grant is revoked, the end of the purpose says which, and a statement naming one is refused with one
error; no view can be made from a revoked frame. Views of masked frames are kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from kernel_cells import KernelRun, run_cells
from test_spark_raw_displays import START

pytest.importorskip("pyspark")

VIEWS = (
    "contacts.createOrReplaceTempView('raw_v')\n"
    "contacts.select('email').createOrReplaceGlobalTempView('raw_g')\n"
    "spark.sql('CREATE TEMP VIEW raw_v2 AS SELECT email, plan FROM raw_v')\n"
    "customers.createOrReplaceTempView('masked_v')\n"
    "spark.range(3).createOrReplaceTempView('plain_v')\n"
    "print('views', spark.sql('SELECT count(*) AS n FROM raw_v2').collect()[0].n)"
)
REVOKED = {  # after the purpose ended: each would write or show the raw addresses
    "ctas": "spark.sql('CREATE TABLE raw_t USING parquet AS SELECT * FROM raw_v')",
    "insert_dir": "spark.sql(\"INSERT OVERWRITE DIRECTORY 'raw_dir' USING parquet SELECT email FROM raw_v2\")",
    "script": (
        "spark.sql(\"BEGIN INSERT OVERWRITE DIRECTORY 'raw_dir2' USING parquet SELECT email FROM raw_v; END\")"
    ),
    "global": "spark.sql('SELECT email FROM global_temp.raw_g').collect()",
    "table": "spark.table('raw_v').write.parquet('raw_dir3')",
    "new_view": "contacts.createOrReplaceTempView('raw_v3')",
    "formatted": "spark.sql('CREATE TABLE raw_t2 USING parquet AS SELECT * FROM {df}', df=contacts)",
}
CELLS = [
    ("ext", "%load_ext jupyter_privacy"),
    ("start", START),
    ("purpose", "%privacy_purpose churn-model --basis legitimate_interest --ref LIA-2026-014"),
    ("unmask", "%privacy_unmask customers --columns email --as contacts"),
    ("views", VIEWS),
    ("end", "%privacy_purpose --end"),
    *REVOKED.items(),
    (
        "left",
        "print(sorted(f'{r.namespace}.{r.viewName}' for r in spark.sql('SHOW VIEWS IN global_temp').collect()))",
    ),
    ("masked", "spark.sql('SELECT email FROM masked_v').show(2, truncate=12)"),
    (
        "masked_write",
        "spark.sql(\"INSERT OVERWRITE DIRECTORY 'masked_dir' USING parquet SELECT * FROM masked_v\")",
    ),
    (
        "again",  # a new purpose and unmask: a view of the new frame works again
        "%privacy_purpose churn-model --basis legitimate_interest --ref LIA-2026-014\n"
        "%privacy_unmask customers --columns email --as contacts2\n"
        "contacts2.createOrReplaceTempView('raw_v')\n"
        "print('again', spark.sql('SELECT count(*) AS n FROM raw_v').collect()[0].n)\n"
        "print('table', spark.table('raw_v').count())",
    ),
    ("stop", "spark.stop()"),
]


@pytest.fixture(scope="module")
def run(
    tmp_path_factory: pytest.TempPathFactory, examples_dir: Path, policy_writer: Any, test_key: str
) -> KernelRun:
    workdir = tmp_path_factory.mktemp("spark-revoked-views")
    return run_cells(
        workdir,
        CELLS,
        policy_writer=policy_writer,
        examples_dir=examples_dir,
        key=test_key,
        fails=set(REVOKED),
    )


def _addresses(examples_dir: Path) -> list[str]:
    return list(pd.read_csv(examples_dir / "data" / "customers.csv")["email"])


def test_views_of_a_revoked_grant_are_dropped_and_write_nothing(run: KernelRun, examples_dir: Path) -> None:
    (granted, _again) = [r.payload["grant"] for r in run.records if r.event == "unmask_granted"]
    assert not run.errors("views") and "views 400" in run.text("views"), run.text("views")
    said = run.text("end")
    for view in ("raw_v", "raw_v2", "global_temp.raw_g"):
        assert view in said, said
    assert "masked_v" not in said and "plain_v" not in said, said
    (revoked, *_later) = [r for r in run.records if r.event == "grants_revoked"]
    assert revoked.payload["temporary_views_dropped"] == 3, revoked.payload
    for cell_id in REVOKED:
        (error,) = run.errors(cell_id)
        assert error["ename"] == "UnmaskDenied", (cell_id, run.text(cell_id))
        assert granted in error["evalue"] and "revoked" in error["evalue"], (cell_id, error["evalue"])
        assert "@" not in run.text(cell_id), (cell_id, run.text(cell_id))
    for written in ("raw_dir", "raw_dir2", "raw_dir3", "spark-warehouse/raw_t", "spark-warehouse/raw_t2"):
        assert not (Path(run.workdir) / written).exists(), written
    logged = [r.payload for r in run.records if r.event == "output_written"]
    assert [p for p in logged if "raw" in str(p.get("target", ""))] == [], logged


def test_views_of_masked_frames_are_kept_and_a_new_unmask_works(run: KernelRun, examples_dir: Path) -> None:
    assert run.text("left").strip() == "['.masked_v', '.plain_v']", run.text("left")
    for cell_id in ("left", "masked", "masked_write", "again", "stop"):
        assert not run.errors(cell_id), (cell_id, run.text(cell_id))
    assert not [e for e in _addresses(examples_dir) if e[:9] in run.text("masked")]
    assert (Path(run.workdir) / "masked_dir").is_dir()
    assert "again 400" in run.text("again") and "table 400" in run.text("again"), run.text("again")
