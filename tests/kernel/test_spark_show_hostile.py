"""Hostile and careless uses of ``show()`` on frames derived from a Spark unmask, in one real kernel:
threads, redirected or captured output, columns renamed to a name the table already had, unions,
checkpoints and frames rebuilt from the raw rows. Each cell either keeps working as Spark's ``show()``
does, or its table is a marked display the save hook leaves out (no raw address in the saved
notebook, checked through the save hook's own cleaner)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from kernel_cells import KernelRun, run_cells
from test_spark_raw_displays import START

from jupyter_privacy.mask.keys import MaskingKey
from jupyter_privacy.records.clean_outputs import MARK_KEY, OutputCleaner
from jupyter_privacy.records.raw_grants import read_grants

pytest.importorskip("pyspark")

THREADS = (
    "import sys, threading\n"
    "ts = [threading.Thread(target=lambda: contacts.select('email').show(1, truncate=12)) for _ in range(6)]\n"
    "for t in ts: t.start()\n"
    "for t in ts: t.join()\n"
    "print('printing after the threads')"
)
REDIRECT = (
    "import contextlib, io\n"
    "buf = io.StringIO()\n"
    "with contextlib.redirect_stdout(buf):\n"
    "    contacts.select('email').show(2, truncate=12)\n"
    "print('captured', buf.getvalue().count('...'), 'cut cells')"
)
RENAMED = {  # a granted column under a name the loaded table has
    "alias": "contacts.select(F.col('email').alias('plan')).show(3, truncate=12)",
    "expr": "contacts.selectExpr('email as city').show(3, truncate=12)",
    "union": (
        "contacts.select('plan').union(contacts.select(F.col('email').alias('plan')))"
        ".orderBy(F.desc('plan')).show(3, truncate=12)"
    ),
}
CHECKPOINTED = {  # a checkpoint's plan is its saved rows: the grant's mark is carried over
    "local": "contacts.localCheckpoint().select('email').show(3, truncate=12)",
    "renamed_local": "contacts.select(F.col('email').alias('plan')).localCheckpoint().show(3, truncate=12)",
    "reliable": (
        "spark.sparkContext.setCheckpointDir('checkpoints')\n"
        "contacts.checkpoint().select(F.col('email').alias('city')).show(3, truncate=12)"
    ),
}
REBUILT = {  # a new plan made from the raw rows: marked by the values it is made from
    "pandas": "spark.createDataFrame(contacts.select('email').toPandas()).show(3, truncate=12)",
    "rows": "spark.createDataFrame(contacts.select('email', 'plan').collect()).show(3, truncate=12)",
    "rdd": "contacts.select('email').rdd.toDF().show(3, truncate=12)",
    "dicts": "spark.createDataFrame([r.asDict() for r in contacts.limit(5).collect()]).show(3, truncate=12)",
}
REVOKED = {  # after the purpose ended: the unmask's frames and what derives from them run no more
    "revoked_show": "contacts.select('email').show(2, truncate=12)",
    "revoked_collect": "contacts.select(F.col('email').alias('plan')).collect()",
    "revoked_pandas": "contacts.toPandas()",
    "revoked_rdd": "contacts.rdd.take(1)",
    "revoked_write": "contacts.write.mode('overwrite').parquet('out')",
    "revoked_sql": "contacts.createOrReplaceTempView('v2')\nspark.sql('select email from v2').take(1)",
    "revoked_rebuilt": "spark.createDataFrame(rows).show(2)",
    "revoked_count": "print('rows:', contacts.filter(F.col('email').endswith('.com')).count())",
    "revoked_checkpoint": "contacts.localCheckpoint()",
}
CELLS = [
    ("ext", "%load_ext jupyter_privacy"),
    ("start", START),
    ("purpose", "%privacy_purpose churn-model --basis legitimate_interest --ref LIA-2026-014"),
    ("unmask", "%privacy_unmask customers --columns email --as contacts"),
    ("threads", THREADS),
    ("after_threads", "print('the next cell prints too')"),
    ("redirect", REDIRECT),
    ("capture", "%%capture cap\ncontacts.select('email').show(2, truncate=12)"),
    ("captured", "cap.show()"),
    *RENAMED.items(),
    *CHECKPOINTED.items(),
    *REBUILT.items(),
    ("masked_rows", "spark.createDataFrame(customers.select('email').collect()).show(3, truncate=12)"),
    ("write_raw", "contacts.select('email', 'plan').write.mode('overwrite').parquet('raw_out')"),
    ("write_masked", "customers.select('email').write.mode('overwrite').parquet('masked_out')"),
    ("read_raw", "spark.read.parquet('raw_out').show(3, truncate=12)"),
    ("read_raw_plan", "spark.read.parquet('raw_out').select('plan').distinct().show()"),
    ("read_masked", "spark.read.parquet('masked_out').show(3, truncate=12)"),
    ("rows", "rows = contacts.select('email').limit(3).collect()"),
    ("passed", "contacts.select('plan', 'city').show(2)"),
    ("end", "%privacy_purpose --end"),
    *REVOKED.items(),
    (
        "revoked_eager",
        "spark.conf.set('spark.sql.repl.eagerEval.enabled', 'true')\n"
        "shown = contacts.select('email').limit(2)\n"
        "shown",
    ),
    ("eager_off", "spark.conf.set('spark.sql.repl.eagerEval.enabled', 'false')"),
    ("masked_after", "customers.select('email').show(2, truncate=12)"),
    (
        "again",
        "%privacy_purpose churn-model --basis legitimate_interest --ref LIA-2026-014\n"
        "%privacy_unmask customers --columns email --as contacts2\n"
        "contacts2.select('email').show(2, truncate=12)",
    ),
    ("stop", "spark.stop()"),
]


@pytest.fixture(scope="module")
def run(
    tmp_path_factory: pytest.TempPathFactory, examples_dir: Path, policy_writer: Any, test_key: str
) -> KernelRun:
    workdir = tmp_path_factory.mktemp("spark-show-hostile")
    return run_cells(
        workdir,
        CELLS,
        policy_writer=policy_writer,
        examples_dir=examples_dir,
        key=test_key,
        fails=set(REVOKED),
    )


@pytest.fixture(scope="module")
def saved(run: KernelRun, test_key: str) -> dict[str, Any]:
    """The notebook as the save hook writes it."""
    nb = json.loads(json.dumps(run.nb))
    OutputCleaner(read_grants(run.ledger), MaskingKey(test_key)).clean(nb)
    return {c["id"]: c["outputs"] for c in nb["cells"]}


def _marked(run: KernelRun, cell_id: str) -> list[bool]:
    return [bool(o.get("metadata", {}).get(MARK_KEY)) for o in run.cell(cell_id).outputs]


def _no_address(saved: dict[str, Any], cell_id: str, examples_dir: Path) -> None:
    text = json.dumps(saved[cell_id])
    emails = pd.read_csv(examples_dir / "data" / "customers.csv")["email"]
    assert not [e for e in emails if e[:9] in text], text


def test_show_in_threads_leaves_printing_working(
    run: KernelRun, saved: dict[str, Any], examples_dir: Path
) -> None:
    """Each thread's table is marked, and ``print`` still reaches the notebook afterwards (redirecting
    ``sys.stdout`` from six threads at once used to leave it pointing at a dead buffer)."""
    assert not run.errors("threads"), run.text("threads")
    assert "printing after the threads" in run.text("threads")
    assert "the next cell prints too" in run.text("after_threads")
    assert _marked(run, "threads").count(True) == 6
    _no_address(saved, "threads", examples_dir)


def test_show_into_a_redirected_stdout_prints_there(run: KernelRun) -> None:
    """``contextlib.redirect_stdout`` around ``show()`` gets the table, as with Spark alone."""
    assert "captured 2 cut cells" in run.text("redirect"), run.text("redirect")
    assert [o["output_type"] for o in run.cell("redirect").outputs] == ["stream"]


def test_a_captured_show_stays_marked_when_shown_again(
    run: KernelRun, saved: dict[str, Any], examples_dir: Path
) -> None:
    assert run.cell("capture").outputs == []
    assert _marked(run, "captured") == [True], run.cell("captured").outputs
    _no_address(saved, "captured", examples_dir)


def test_a_granted_column_renamed_to_a_name_of_the_table_is_marked(
    run: KernelRun, saved: dict[str, Any], examples_dir: Path
) -> None:
    """Renamed to ``plan`` or ``city`` (names the loaded table has), or merged into ``plan`` by a union,
    the addresses are still marked; the table's other columns passed through are not."""
    for cell_id in RENAMED:
        assert not run.errors(cell_id), run.text(cell_id)
        assert "..." in run.text(cell_id)
        assert _marked(run, cell_id) == [True], cell_id
        _no_address(saved, cell_id, examples_dir)
    assert _marked(run, "passed") == [False]
    assert saved["passed"] == run.cell("passed").outputs


def test_a_checkpoint_of_an_unmasked_frame_stays_marked(
    run: KernelRun, saved: dict[str, Any], examples_dir: Path
) -> None:
    for cell_id in CHECKPOINTED:
        assert not run.errors(cell_id), run.text(cell_id)
        assert "..." in run.text(cell_id)
        assert _marked(run, cell_id) == [True], cell_id
        _no_address(saved, cell_id, examples_dir)


def test_a_frame_rebuilt_from_unmasked_rows_is_marked(
    run: KernelRun, saved: dict[str, Any], examples_dir: Path
) -> None:
    """``toPandas()``, ``collect()`` or ``rdd`` and back: the plan starts anew, the values still are
    the granted ones (a sample is checked against the grant's fingerprints); masked rows stay unmarked."""
    for cell_id in REBUILT:
        assert not run.errors(cell_id), run.text(cell_id)
        assert "..." in run.text(cell_id)
        assert _marked(run, cell_id)[-1:] == [True], cell_id
        _no_address(saved, cell_id, examples_dir)
    assert not run.errors("masked_rows") and _marked(run, "masked_rows") == [False]


def test_the_frames_of_a_revoked_spark_grant_hand_out_no_rows(
    run: KernelRun, saved: dict[str, Any], examples_dir: Path
) -> None:
    """Ending the purpose masks a pandas frame's granted columns again in place; a Spark frame (a plan,
    read again by each action) used to keep showing the raw addresses. Its row-handing methods now
    refuse, with one error naming the grant, and so do frames derived or rebuilt from it."""
    (granted, _again) = [r.payload["grant"] for r in run.records if r.event == "unmask_granted"]
    assert "grants_revoked" in run.events()
    assert "Spark frames unmasked under it run no more" in run.text("end"), run.text("end")
    for cell_id in REVOKED:
        (error,) = run.errors(cell_id)
        assert error["ename"] == "UnmaskDenied", (cell_id, run.text(cell_id))
        assert granted in error["evalue"] and "revoked" in error["evalue"], error["evalue"]
        _no_address(saved, cell_id, examples_dir)
        assert "@" not in run.text(cell_id), cell_id
    assert not (Path(run.workdir) / "out").exists()
    # the eager table of such a frame: one message saying why, no traceback and no table
    assert not run.errors("revoked_eager"), run.text("revoked_eager")
    (out,) = run.cell("revoked_eager").outputs
    assert list(out["data"]) == ["text/plain"] and granted in out["data"]["text/plain"], out
    assert not run.errors("masked_after") and _marked(run, "masked_after") == [False]
    assert not run.errors("again") and _marked(run, "again")[-1:] == [True]
    assert "..." in run.text("again")


def test_a_local_output_of_an_unmasked_frame_read_back_is_marked(
    run: KernelRun, saved: dict[str, Any], examples_dir: Path
) -> None:
    """Written to parquet and read back, the plan starts anew: the kernel knows the folder held granted
    values (its files are the read's input files), so the read-back frame is marked, for all columns;
    a masked frame's output read back is not."""
    for cell_id in ("write_raw", "write_masked", "read_raw", "read_raw_plan", "read_masked"):
        assert not run.errors(cell_id), run.text(cell_id)
    assert _marked(run, "read_raw") == [True] and "..." in run.text("read_raw")
    _no_address(saved, "read_raw", examples_dir)
    assert _marked(run, "read_raw_plan") == [True]
    assert _marked(run, "read_masked") == [False]
