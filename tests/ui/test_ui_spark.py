"""Real browser, real JupyterLab, real kernel with a real local SparkSession: a Spark load shows in the
sidebar like a pandas one (its flagged columns, the unmask of one, the file written from it), its rows are
pseudonymised in the page, and the processing record the sidebar exports lists it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import test_privacy_ui
import test_privacy_ui_flows
from test_privacy_ui import api
from test_privacy_ui_flows import (
    NOTEBOOK,
    PURPOSE,
    UI_TIMEOUT_MS,
    open_notebook,
    raw_emails,
    run_cells,
)
from test_sidebar import CHROMIUM, Lab, write_notebook

pytest.importorskip("pyspark", reason="the Spark engine needs pyspark (the test extra installs it)")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)",
)

privacy_lab = test_privacy_ui.privacy_lab
browser = test_privacy_ui_flows.browser
SPARK_TIMEOUT_MS = 180_000  # the kernel starts a JVM, then Spark reads, samples and masks
CELLS = [
    "%load_ext jupyter_privacy",
    "from pyspark.sql import SparkSession\n"
    "spark = (SparkSession.builder.master('local[2]').config('spark.ui.enabled', 'false')\n"
    "         .config('spark.sql.shuffle.partitions', '4').getOrCreate())",
    "customers = %privacy_load customers.csv --engine spark",
    "customers.select('customer_id', 'email').limit(3).toPandas()",
    PURPOSE,
    "%privacy_unmask customers --columns email --as contacts",
    "contacts.select('customer_id', 'plan').write.mode('overwrite').parquet('plans.parquet')",
    "print(type(contacts).__name__, contacts.count())",
]


def output_of(page: Any, cell: int) -> Any:
    return page.locator(f"{NOTEBOOK} .jp-Cell").nth(cell).locator(".jp-OutputArea-output")


def test_spark_load_unmask_and_write_show_in_the_sidebar_and_the_record(
    privacy_lab: tuple[Lab, Path], browser: Any
) -> None:
    from playwright.sync_api import expect

    lab, root = privacy_lab
    write_notebook(root / "spark.ipynb", CELLS)
    page, panel = open_notebook(browser, lab, "spark.ipynb")
    try:
        run_cells(page, len(CELLS))
        expect(output_of(page, 7)).to_contain_text("DataFrame", timeout=SPARK_TIMEOUT_MS)
        # the masked rows in the page: pseudonyms, not addresses
        table = output_of(page, 3).and_(page.locator('[data-mime-type="text/html"]'))
        expect(table).to_contain_text(re.compile(r"EMAIL_[0-9a-f]{16}@masked.invalid"))
        # the load says what it did, and no warning of PySpark's about the package's own calls
        load = output_of(page, 2)
        expect(load.first).to_contain_text("loading customers.csv: done")
        expect(load.last).to_contain_text("9 columns with personal data, masked")
        assert "Warning" not in " ".join(load.all_inner_texts())

        dataset = panel.locator(".jp-PrivacyPanel-dataset")
        expect(dataset).to_have_count(1, timeout=UI_TIMEOUT_MS)
        expect(dataset.locator(".jp-PrivacyPanel-datasetName")).to_have_text("customers.csv")
        email = dataset.locator('.jp-PrivacyChip[data-column="email"]')
        expect(email).to_have_class(re.compile(r"\bjp-PrivacyChip-direct\b.*\bjp-mod-unmasked\b"))
        for column in ("phone", "first_name", "last_name"):
            chip = dataset.locator(f'.jp-PrivacyChip[data-column="{column}"]')
            expect(chip).to_have_class(re.compile(r"\bjp-mod-masked\b"))

        timeline = panel.locator(".jp-PrivacyPanel-timeline")
        expect(timeline.locator(".jp-PrivacyPanel-event-dataset_loaded")).to_contain_text(
            "[3]loaded customers.csv"
        )
        expect(timeline.locator(".jp-PrivacyPanel-event-unmask_granted")).to_contain_text(
            "[6]unmasked email of customers.csv"
        )
        expect(timeline.locator(".jp-PrivacyPanel-event-output_written")).to_contain_text(
            "[7]wrote plans.parquet from customers.csv", timeout=UI_TIMEOUT_MS
        )

        state = api(lab, "state?path=spark.ipynb")
        assert [(g["columns"], g["purpose"]) for g in state["grants"]] == [(["email"], "churn-model")]

        with page.expect_download() as info:
            panel.locator('button[data-format="json"]').click()
        record = Path(info.value.path()).read_text()
        assert "customers.csv" in record and "plans.parquet" in record, record
        assert "churn-model" in json.dumps(json.loads(record)["purposes"])

        # no raw address anywhere in the page (the unmasked frame is never displayed), nor in the record
        emails = raw_emails()
        text, markup = page.inner_text("body"), page.content()
        assert [e for e in emails if e in text or e in markup or e in record] == []
    finally:
        page.close()
