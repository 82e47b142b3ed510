"""Real browser, real JupyterLab: an unmask shows in the sidebar, and a renamed notebook keeps its records.

Shares one JupyterLab server (policy, key, alias file in tmp: ``privacy_lab`` of test_privacy_ui) and one
Chromium between the tests of this module.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import test_privacy_ui
from test_privacy_ui import REPO, api
from test_sidebar import CHROMIUM, CHROMIUM_ARGS, Lab, write_notebook

from jupyter_privacy.ledger.identity import acting_user

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)",
)

# The server fixture of test_privacy_ui (policy copy with log.path in tmp, JUPYTER_PRIVACY_KEY, alias file,
# customers.csv in the root); module-scoped, so this module starts one server for its tests.
privacy_lab = test_privacy_ui.privacy_lab

PURPOSE = "%privacy_purpose churn-model --basis legitimate_interest --ref LIA-2026-014"
# the sidebar says who declared it: the user the kernel runs as
PURPOSE_TEXT = f"churn-model (legitimate_interest, ref LIA-2026-014, declared by {acting_user()})"
KERNEL_TIMEOUT_MS = 90_000
UI_TIMEOUT_MS = 30_000
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook shown in the main area
_PAGES = itertools.count()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def open_notebook(browser: Any, lab: Lab, name: str) -> tuple[Any, Any]:
    """A page showing notebook ``name`` with its kernel idle and the Privacy sidebar open on it."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1400, "height": 900})
    # a workspace of its own per page: no notebook of an earlier page is restored next to this one
    workspace = f"{Path(name).stem}-{next(_PAGES)}"
    page.goto(f"{lab.url}/lab/workspaces/{workspace}/tree/{name}?token={lab.token}")
    expect(page.locator(f"{NOTEBOOK} .jp-Cell").first).to_be_visible(timeout=60_000)
    # the kernel is started and connected (status bar), so executions are not lost
    expect(page.locator(".jp-StatusBar-TextItem", has_text="| Idle")).to_be_visible(timeout=60_000)
    page.locator('.jp-SideBar.jp-mod-left [data-id="jp-privacy-sidebar"]').click()
    panel = page.locator("#jp-privacy-sidebar")
    expect(panel.locator(".jp-PrivacyPanel-notebook")).to_have_text(name)
    return page, panel


def run_cells(page: Any, count: int, first: int = 0) -> None:
    """Shift+Enter through ``count`` cells starting at cell ``first`` (the kernel queues them)."""
    page.locator(f"{NOTEBOOK} .jp-Cell .jp-InputPrompt").nth(first).click()
    for _ in range(count):
        page.keyboard.press("Shift+Enter")


def raw_emails() -> list[str]:
    with (REPO / "examples" / "data" / "customers.csv").open(newline="") as fh:
        return [row["email"] for row in csv.DictReader(fh)]


def test_unmask_shows_in_the_sidebar_without_reload(privacy_lab: tuple[Lab, Path], browser: Any) -> None:
    from playwright.sync_api import expect

    lab, root = privacy_lab
    cells = [
        "%load_ext jupyter_privacy",
        "customers = %privacy_load customers.csv",
        PURPOSE,
        "%privacy_unmask customers --columns email --as contacts",
    ]
    write_notebook(root / "unmask.ipynb", cells)
    page, panel = open_notebook(browser, lab, "unmask.ipynb")
    try:
        # survives only as long as the page is not reloaded
        page.evaluate("window.__privacyNoReload = true")
        run_cells(page, len(cells))

        last_output = page.locator(f"{NOTEBOOK} .jp-Cell").nth(3).locator(".jp-OutputArea-output")
        expect(last_output).to_contain_text(
            "unmasked email in contacts for purpose churn-model", timeout=KERNEL_TIMEOUT_MS
        )

        dataset = panel.locator(".jp-PrivacyPanel-dataset")
        expect(dataset).to_have_count(1, timeout=UI_TIMEOUT_MS)
        expect(dataset.locator(".jp-PrivacyPanel-datasetName")).to_have_text("customers.csv")
        email = dataset.locator('.jp-PrivacyChip[data-column="email"]')
        expect(email).to_have_class(
            "jp-PrivacyChip jp-PrivacyChip-direct jp-mod-unmasked", timeout=UI_TIMEOUT_MS
        )
        expect(email.locator(".jp-PrivacyChip-state")).to_have_text("unmasked")
        expect(email).to_have_attribute("title", re.compile(r"UNMASKED under the declared purpose$"))
        # every other flagged column stays masked
        expect(dataset.locator(".jp-PrivacyChip.jp-mod-unmasked")).to_have_count(1)
        for column in ("phone", "date_of_birth", "first_name", "last_name"):
            chip = dataset.locator(f'.jp-PrivacyChip[data-column="{column}"]')
            expect(chip).to_have_class(re.compile(r"\bjp-mod-masked\b"))
            expect(chip.locator(".jp-PrivacyChip-state")).to_have_text("masked")

        expect(panel.locator(".jp-PrivacyPanel-purpose")).to_have_text(PURPOSE_TEXT)
        timeline = panel.locator(".jp-PrivacyPanel-timeline")
        grant = timeline.locator(".jp-PrivacyPanel-event-unmask_granted")
        expect(grant).to_have_count(1)
        expect(grant).to_contain_text("[4]unmasked email of customers.csv")
        expect(timeline.locator(".jp-PrivacyPanel-event-purpose_declared")).to_contain_text(
            f"[3]purpose churn-model declared (legitimate_interest) by {acting_user()}"
        )
        expect(timeline.locator(".jp-PrivacyPanel-event-dataset_loaded")).to_contain_text(
            "[2]loaded customers.csv"
        )
        assert page.evaluate("window.__privacyNoReload") is True

        state = api(lab, "state?path=unmask.ipynb")
        assert [(g["columns"], g["purpose"]) for g in state["grants"]] == [(["email"], "churn-model")]
        assert state["denials"] == []

        # `contacts` (the raw e-mails) is never displayed: no raw address anywhere in the page
        emails = raw_emails()
        assert len(emails) > 100 and all("@" in e for e in emails)
        text, markup = page.inner_text("body"), page.content()
        leaked = [e for e in emails if e in text or e in markup]
        assert leaked == []
    finally:
        page.close()


def test_renamed_notebook_keeps_its_records(privacy_lab: tuple[Lab, Path], browser: Any) -> None:
    from playwright.sync_api import expect

    lab, root = privacy_lab
    cells = ["%load_ext jupyter_privacy", "customers = %privacy_load customers.csv", PURPOSE]
    write_notebook(root / "a.ipynb", cells)
    page, panel = open_notebook(browser, lab, "a.ipynb")
    try:
        run_cells(page, 2)  # the load only; the purpose cell runs after the rename
        dataset = panel.locator(".jp-PrivacyPanel-dataset")
        expect(dataset).to_have_count(1, timeout=KERNEL_TIMEOUT_MS)
        timeline = panel.locator(".jp-PrivacyPanel-timeline")
        expect(timeline.locator(".jp-PrivacyPanel-event-dataset_loaded")).to_have_text(
            "[2]loaded customers.csv"
        )
        before = api(lab, "state?path=a.ipynb")
        assert before["chains"] == [str(root / "a.ipynb")]
        loaded = [e for c in before["timeline"] for e in c["events"] if e["event"] == "dataset_loaded"]
        assert len(loaded) == 1

        # rename through JupyterLab's own dialog (tab context menu), as a user would
        page.locator(NOTEBOOK).click()
        page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="a.ipynb").click(button="right")
        page.locator(".lm-Menu-itemLabel", has_text="Rename Notebook").click()
        dialog = page.locator(".jp-Dialog")
        dialog.locator("input").fill("b.ipynb")
        dialog.locator(".jp-mod-accept").click()
        expect(page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="b.ipynb")).to_be_visible(
            timeout=UI_TIMEOUT_MS
        )
        assert (root / "b.ipynb").exists() and not (root / "a.ipynb").exists()
        expect(panel.locator(".jp-PrivacyPanel-notebook")).to_have_text("b.ipynb", timeout=UI_TIMEOUT_MS)

        # the server attributes the records written under a.ipynb to b.ipynb
        after = api(lab, "state?path=b.ipynb")
        assert after["chains"] == [str(root / "a.ipynb")]
        assert [d["dataset"] for d in after["datasets"]] == [d["dataset"] for d in before["datasets"]]
        assert after["timeline"] == before["timeline"]
        assert after["records"] == before["records"]
    finally:
        page.close()

    # a fresh page on b.ipynb draws the sidebar from the server only
    page, panel = open_notebook(browser, lab, "b.ipynb")
    try:
        dataset = panel.locator(".jp-PrivacyPanel-dataset")
        expect(dataset).to_have_count(1, timeout=UI_TIMEOUT_MS)
        expect(dataset.locator(".jp-PrivacyPanel-datasetName")).to_have_text("customers.csv")
        expect(dataset.locator('.jp-PrivacyChip[data-column="email"]')).to_have_class(
            "jp-PrivacyChip jp-PrivacyChip-direct jp-mod-masked"
        )
        timeline = panel.locator(".jp-PrivacyPanel-timeline")
        expect(timeline.locator(".jp-PrivacyPanel-event-dataset_loaded")).to_have_text(
            "[2]loaded customers.csv"
        )
        expect(panel.locator(".jp-PrivacyPanel-section h3", has_text="Processing log")).to_have_text(
            f"Processing log ({before['records']})"
        )

        # the kernel still runs (and logs under a.ipynb): what it logs now belongs to b.ipynb as well
        run_cells(page, 1, first=2)
        expect(panel.locator(".jp-PrivacyPanel-purpose")).to_have_text(
            PURPOSE_TEXT, timeout=KERNEL_TIMEOUT_MS
        )
        expect(timeline.locator(".jp-PrivacyPanel-event-purpose_declared")).to_have_text(
            f"[3]purpose churn-model declared (legitimate_interest) by {acting_user()}"
        )
        expect(timeline.locator(".jp-PrivacyPanel-event-dataset_loaded")).to_have_text(
            "[2]loaded customers.csv"
        )
        final = api(lab, "state?path=b.ipynb")
        assert final["purpose"]["purpose"] == "churn-model"
        assert final["chains"] == [str(root / "a.ipynb")]  # same kernel, still named a.ipynb
        assert len(final["datasets"]) == 1
    finally:
        page.close()
