"""Real browser, real JupyterLab, real kernel: load personal data, see it flagged, declare a purpose, export.

Also saves the screenshots of docs/ui.md (light and dark theme) to docs/img/.
"""

from __future__ import annotations

import json
import secrets
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from screens import screenshot_dir
from test_sidebar import CHROMIUM, CHROMIUM_ARGS, Lab, running_lab, write_notebook

from jupyter_privacy.ledger.identity import acting_user

REPO = Path(__file__).resolve().parents[2]
IMG = screenshot_dir()

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)",
)

CELLS = [
    "%load_ext jupyter_privacy",
    "customers = %privacy_load customers.csv",
    "customers.groupby('plan').size()",
]


@pytest.fixture(scope="module")
def privacy_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Lab, Path]]:
    root = tmp_path_factory.mktemp("work")
    shutil.copy(REPO / "examples" / "data" / "customers.csv", root / "customers.csv")
    write_notebook(root / "churn.ipynb", CELLS)
    private = tmp_path_factory.mktemp("admin")
    policy = (REPO / "examples" / "privacy_policy.yaml").read_text()
    policy = policy.replace("~/.local/share/jupyter-privacy/ledger.sqlite3", str(private / "ledger.sqlite3"))
    (private / "privacy_policy.yaml").write_text(policy)

    home = tmp_path_factory.mktemp("labhome")
    env = {
        "JUPYTER_PRIVACY_POLICY": str(private / "privacy_policy.yaml"),
        "JUPYTER_PRIVACY_KEY": secrets.token_hex(32),
    }
    args = ["--LabApp.expose_app_in_browser=True", f"--JupyterPrivacy.alias_path={private / 'aliases.json'}"]
    with running_lab(root, home, private / "jupyter-lab.log", env=env, args=args) as running:
        yield running, root


def api(lab: Lab, endpoint: str) -> dict:
    request = urllib.request.Request(
        f"{lab.url}/jupyter-privacy/{endpoint}", headers={"Authorization": f"token {lab.token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        return json.load(resp)


def test_flag_declare_export_in_a_real_browser(privacy_lab: tuple[Lab, Path]) -> None:
    from playwright.sync_api import expect, sync_playwright

    lab, root = privacy_lab
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900}, accept_downloads=True)
            page.goto(f"{lab.url}/lab/tree/churn.ipynb?token={lab.token}")
            expect(page.locator(".jp-NotebookPanel .jp-Cell").first).to_be_visible(timeout=60_000)
            # the kernel is started and connected (status bar), so executions are not lost
            expect(page.locator(".jp-StatusBar-TextItem", has_text="| Idle")).to_be_visible(timeout=60_000)
            page.locator('.jp-SideBar.jp-mod-left [data-id="jp-privacy-sidebar"]').click()
            panel = page.locator("#jp-privacy-sidebar")
            expect(panel.locator(".jp-PrivacyPanel-notebook")).to_have_text("churn.ipynb")

            page.locator(".jp-NotebookPanel .jp-Cell .jp-InputPrompt").first.click()
            for _ in CELLS:
                page.keyboard.press("Shift+Enter")

            # inline summary: a chip per flagged column, rendered by the MIME renderer
            inline = page.locator(".jp-NotebookPanel .jp-PrivacyLoad")
            expect(inline).to_be_visible(timeout=90_000)
            expect(inline.locator('.jp-PrivacyChip[data-column="email"]')).to_have_class(
                "jp-PrivacyChip jp-PrivacyChip-direct jp-mod-masked"
            )
            # the sidebar updates by itself when the cell has run: no reload
            dataset = panel.locator(".jp-PrivacyPanel-dataset")
            expect(dataset).to_have_count(1, timeout=30_000)
            expect(dataset.locator(".jp-PrivacyPanel-datasetName")).to_have_text("customers.csv")
            for column in ("email", "phone", "date_of_birth"):
                expect(dataset.locator(f'.jp-PrivacyChip[data-column="{column}"]')).to_be_visible()
            expect(dataset.locator(".jp-PrivacyPanel-reid")).to_contain_text("of rows unique on")
            expect(panel.locator(".jp-PrivacyPanel-purpose")).to_contain_text("No purpose declared")

            # the kernel logged under the notebook's absolute path (JPY_SESSION_NAME from jupyter_server)
            assert api(lab, "state?path=churn.ipynb")["chains"] == [str(root / "churn.ipynb")]

            # declare a purpose through the dialog: a bad reference is refused with the kernel's reason
            panel.locator(".jp-PrivacyPanel-declare").click()
            dialog = page.locator(".jp-Dialog")
            dialog.locator("select[name=purpose]").select_option("churn-model")
            dialog.locator("select[name=basis]").select_option("legitimate_interest")
            expect(dialog.locator(".jp-PrivacyPurposeForm-hint")).to_contain_text("LIA register")
            dialog.locator("input[name=reference]").fill("LIA-26")
            dialog.locator(".jp-mod-accept").click()
            refusal = page.locator(".jp-Dialog")
            expect(refusal.locator(".jp-Dialog-header")).to_contain_text("Purpose refused")
            expect(refusal.locator(".jp-Dialog-body")).to_contain_text(
                "is not valid for purpose 'churn-model'"
            )
            refusal.locator(".jp-Dialog-button").first.click()

            panel.locator(".jp-PrivacyPanel-declare").click()
            dialog = page.locator(".jp-Dialog")
            dialog.locator("select[name=purpose]").select_option("churn-model")
            dialog.locator("input[name=reference]").fill("LIA-2026-014")
            dialog.locator(".jp-mod-accept").click()
            expect(panel.locator(".jp-PrivacyPanel-purpose")).to_have_text(
                f"churn-model (legitimate_interest, ref LIA-2026-014, declared by {acting_user()})",
                timeout=30_000,
            )

            # export the processing record (download through the REST API)
            with page.expect_download() as info:
                panel.locator('button[data-format="json"]').click()
            record = json.loads(Path(info.value.path()).read_text())
            assert record["notebooks"] == [str(root / "churn.ipynb")]
            assert "churn-model" in json.dumps(record["purposes"])
            expect(panel.locator(".jp-PrivacyPanel-timeline")).to_contain_text("processing record exported")

            page.screenshot(path=str(IMG / "privacy-sidebar-light.png"))
            inline.screenshot(path=str(IMG / "inline-summary-light.png"))
            page.evaluate(
                "window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})"
            )
            expect(page.locator("body[data-jp-theme-light='false']")).to_have_count(1, timeout=30_000)
            expect(page.locator("#jupyterlab-splash")).to_have_count(0, timeout=30_000)
            page.screenshot(path=str(IMG / "privacy-sidebar-dark.png"))
            inline.screenshot(path=str(IMG / "inline-summary-dark.png"))
        finally:
            browser.close()
