"""Displays of an unmasked Spark frame in a real kernel, in every form Spark prints them: ``show()`` at
any cut width, vertical, the eager HTML table, derived frames. Each is marked for the save hook, and the
saved notebook (cleaned by the save hook's own cleaner, with the grant index stored beside the log) keeps
no raw address; displays of masked frames and of columns that were never unmasked stay."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from kernel_cells import run_cells

from jupyter_privacy.mask.keys import MaskingKey
from jupyter_privacy.records.clean_outputs import MARK_KEY, OutputCleaner
from jupyter_privacy.records.raw_grants import read_grants

pytest.importorskip("pyspark")

START = (
    "import os, sys\n"
    "os.environ['PYSPARK_PYTHON'] = sys.executable\n"
    "from pyspark.sql import SparkSession, functions as F\n"
    "spark = (SparkSession.builder.master('local[1]').config('spark.ui.enabled', 'false')\n"
    "         .config('spark.sql.shuffle.partitions', '2').getOrCreate())\n"
    "customers = %privacy_load data/customers.csv --engine spark --quiet"
)
SHOWN = {  # cells that show unmasked addresses, each in another form
    "cut7": "contacts.show(3, truncate=7)",
    "cut30": "contacts.select('email', 'plan').show(3, truncate=30)",
    "vertical": "contacts.show(2, truncate=12, vertical=True)",
    "renamed": "contacts.select(F.upper('email').alias('who')).show(3, truncate=9)",
    "summary": "contacts.select('email').summary('min', 'max').show(truncate=11)",
    "eager": (
        "spark.conf.set('spark.sql.repl.eagerEval.enabled', 'true')\n"
        "spark.conf.set('spark.sql.repl.eagerEval.truncate', '8')\n"
        "contacts.select('email').limit(3)"
    ),
}
KEPT = {  # cells that show no unmasked value: not marked, kept on save
    "masked": "customers.select('email').show(3, truncate=5)",
    "other": "contacts.select('plan', 'monthly_spend').show(3)",
    "repr": "spark.conf.set('spark.sql.repl.eagerEval.enabled', 'false')\ncontacts.select('email')",
}
CELLS = [
    ("ext", "%load_ext jupyter_privacy"),
    ("start", START),
    ("purpose", "%privacy_purpose churn-model --basis legitimate_interest --ref LIA-2026-014"),
    ("unmask", "%privacy_unmask customers --columns email --as contacts"),
    *KEPT.items(),
    *SHOWN.items(),
    ("stop", "spark.stop()"),
]


def test_every_display_of_an_unmasked_spark_frame_is_left_out_of_the_saved_notebook(
    tmp_path: Path, examples_dir: Path, policy_writer: Callable[..., tuple[Path, Path]], test_key: str
) -> None:
    run = run_cells(tmp_path, CELLS, policy_writer=policy_writer, examples_dir=examples_dir, key=test_key)
    emails = pd.read_csv(examples_dir / "data" / "customers.csv")["email"]
    for cell_id in [*SHOWN, *KEPT]:
        assert not run.errors(cell_id), run.text(cell_id)
    # the live page shows the cut addresses (the cell ran as the user expects) ...
    assert any(e[:4] + "..." in run.text("cut7") for e in emails), run.text("cut7")
    assert "-RECORD 0" in run.text("vertical")
    (granted,) = [r.payload for r in run.records if r.event == "unmask_granted"]
    for cell_id in SHOWN:  # ... each marked with the grant, none as a plain stream
        outputs = run.cell(cell_id).outputs
        assert [o["output_type"] for o in outputs] in (["display_data"], ["execute_result"]), cell_id
        assert outputs[0]["metadata"][MARK_KEY]["grants"] == [granted["grant"]], cell_id
    for cell_id in KEPT:
        assert all(MARK_KEY not in o.get("metadata", {}) for o in run.cell(cell_id).outputs), cell_id

    saved = json.loads(json.dumps(run.nb))  # what the save hook gets: the notebook as JSON
    removed = OutputCleaner(read_grants(run.ledger), MaskingKey(test_key)).clean(saved)
    assert {r.cell_id for r in removed} == set(SHOWN)
    text = json.dumps(saved)
    # no address, whole or cut at any width the cells used, is left (cuts: show() keeps N-3 characters)
    for email in emails:
        for cut in (email, email[:4], email[:9], email[:27], email[:8]):
            if len(cut) >= 8:
                assert cut not in text and cut.upper() not in text, cut
    kept = {c["id"]: c["outputs"] for c in saved["cells"] if c["id"] in KEPT}
    assert all(json.dumps(kept[c]) == json.dumps(run.cell(c).outputs) for c in KEPT)
