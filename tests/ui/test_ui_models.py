"""Real browser, real JupyterLab: a saved notebook holds no unmasked value while the page still shows it,
and the sidebar shows a model, the purpose it was trained for, its use under another purpose, and the
personal data loaded but never used. Saves docs/img/privacy-sidebar-model.png (``make screenshots``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import test_privacy_ui
import test_privacy_ui_flows
from screens import screenshot_dir
from test_privacy_ui_flows import (
    KERNEL_TIMEOUT_MS,
    NOTEBOOK,
    PURPOSE,
    UI_TIMEOUT_MS,
    open_notebook,
    raw_emails,
    run_cells,
)
from test_sidebar import CHROMIUM, Lab, write_notebook

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)",
)

privacy_lab = test_privacy_ui.privacy_lab
browser = test_privacy_ui_flows.browser
PLACEHOLDER = "[jupyter-privacy] output not saved"


def wait_for_file(path: Path, text: str, timeout: float = 30.0) -> str:
    """The file's contents once they contain ``text`` (JupyterLab saves asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        content = path.read_text("utf-8") if path.exists() else ""
        if text in content or time.monotonic() > deadline:
            return content
        time.sleep(0.2)


def test_saved_notebook_leaves_out_raw_values_the_page_still_shows(
    privacy_lab: tuple[Lab, Path], browser: Any
) -> None:
    from playwright.sync_api import expect

    lab, root = privacy_lab
    cells = [
        "%load_ext jupyter_privacy",
        "customers = %privacy_load customers.csv --quiet",
        PURPOSE,
        "%privacy_unmask customers --columns email --as contacts",
        "contacts[['email', 'plan']].head(3)",
        "print(contacts['email'].head(2).tolist())",
    ]
    write_notebook(root / "save.ipynb", cells)
    emails = raw_emails()
    page, _panel = open_notebook(browser, lab, "save.ipynb")
    try:
        run_cells(page, len(cells))
        shown = page.locator(f"{NOTEBOOK} .jp-Cell").nth(5).locator(".jp-OutputArea-output")
        expect(shown).to_contain_text(emails[1], timeout=KERNEL_TIMEOUT_MS)
        page.locator(f"{NOTEBOOK} .jp-Cell").nth(0).click()
        page.keyboard.press("Control+s")
        saved = wait_for_file(root / "save.ipynb", PLACEHOLDER)
        assert saved.count(PLACEHOLDER) == 2, saved
        assert [e for e in emails if e in saved] == []
        # the live view is unchanged: the table and the print still show the values
        table = page.locator(f"{NOTEBOOK} .jp-Cell").nth(4).locator(".jp-OutputArea-output")
        expect(table).to_contain_text(emails[0])
        expect(shown).to_contain_text(emails[1])
        assert json.loads(saved)["cells"][4]["outputs"][0]["output_type"] == "execute_result"
    finally:
        page.close()


def test_sidebar_shows_a_model_its_purpose_and_its_use_under_another(
    privacy_lab: tuple[Lab, Path], browser: Any
) -> None:
    from playwright.sync_api import expect

    lab, root = privacy_lab
    cells = [
        "%load_ext jupyter_privacy",
        "customers = %privacy_load customers.csv --quiet",
        PURPOSE,
        "from sklearn.pipeline import make_pipeline\n"
        "from sklearn.preprocessing import StandardScaler\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "X = customers[['monthly_spend', 'date_of_birth']].astype(float)\n"
        "model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, customers['churned'])",
        "import joblib\njoblib.dump(model, 'model.joblib')",
        "%privacy_purpose marketing-consent --basis consent --ref CONSENT-2026B7",
        "reloaded = joblib.load('model.joblib')",
    ]
    write_notebook(root / "model.ipynb", cells)
    page, panel = open_notebook(browser, lab, "model.ipynb")
    try:
        run_cells(page, len(cells))
        timeline = panel.locator(".jp-PrivacyPanel-timeline")
        used = timeline.locator(".jp-PrivacyPanel-event-model_used")
        expect(used).to_contain_text(
            "LogisticRegression trained for churn-model used under marketing-consent (joblib.load)",
            timeout=KERNEL_TIMEOUT_MS,
        )
        expect(timeline.locator(".jp-PrivacyPanel-event-model_trained")).to_contain_text(
            "trained LogisticRegression on customers.csv for churn-model", timeout=UI_TIMEOUT_MS
        )
        unused = panel.locator(".jp-PrivacyPanel-minimisation li")
        expect(unused).to_have_count(1)
        expect(unused).to_contain_text("customers.csv: ")
        expect(unused).not_to_contain_text("date_of_birth")
        expect(unused).to_contain_text("email")
        page.screenshot(path=str(screenshot_dir() / "privacy-sidebar-model.png"))
    finally:
        page.close()
