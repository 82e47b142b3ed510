"""Real-browser smoke test: JupyterLab starts with the extension and the Privacy sidebar shows up."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from screens import screenshot_dir

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
SCREENSHOT = screenshot_dir() / "sidebar-placeholder.png"
STARTUP_DEADLINE_S = 90.0

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium); "
    "`make test` does that when run as root",
)


@dataclass
class Lab:
    url: str
    token: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_ready(proc: subprocess.Popen[bytes], api: str, token: str, log: Path) -> None:
    """Poll the server's REST API until it answers, the process dies, or the deadline passes."""
    deadline = time.monotonic() + STARTUP_DEADLINE_S
    request = urllib.request.Request(api, headers={"Authorization": f"token {token}"})
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(request, timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)  # poll interval, not synchronisation: the loop condition decides
    raise TimeoutError(f"jupyter lab not ready after {STARTUP_DEADLINE_S}s:\n{log.read_text()}")


def write_notebook(path: Path, cells: Sequence[str]) -> None:
    """A notebook of code cells with stable ids ``c0, c1, ...`` and the default Python kernel."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    kernel = {"display_name": "Python 3", "language": "python", "name": "python3"}
    cells_ = [new_code_cell(src, id=f"c{i}") for i, src in enumerate(cells)]
    nbformat.write(new_notebook(cells=cells_, metadata={"kernelspec": kernel}), path)


@contextlib.contextmanager
def running_lab(
    root: Path, home: Path, log: Path, *, env: dict[str, str] | None = None, args: Sequence[str] = ()
) -> Iterator[Lab]:
    """A real ``jupyter lab`` on loopback serving ``root``, isolated in ``home``, stopped on exit."""
    # No "get notified about Jupyter news?" toast over screenshots (and no news fetch offline).
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    port, token = _free_port(), secrets.token_hex(16)
    full_env = {
        **os.environ,
        # Isolate from the user's settings and workspaces so the layout is the default one.
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        **(env or {}),
    }
    command = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
        f"--ServerApp.token={token}", "--ServerApp.allow_root=True", *args, f"--notebook-dir={root}",
    ]  # fmt: skip
    with log.open("wb") as log_file:
        proc = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, env=full_env)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_ready(proc, f"{base}/api/status", token, log)
        yield Lab(url=base, token=token)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    root = tmp_path_factory.mktemp("notebooks")
    write_notebook(root / "customers.ipynb", ["1 + 1"])
    home = tmp_path_factory.mktemp("home")
    with running_lab(root, home, root.parent / "jupyter-lab.log") as running:
        yield running


def test_health_endpoint_needs_auth_and_reports_version(lab: Lab) -> None:
    url = f"{lab.url}/jupyter-privacy/health"
    with pytest.raises(urllib.error.HTTPError) as denied:
        urllib.request.urlopen(url, timeout=10)
    assert denied.value.code == 403

    request = urllib.request.Request(url, headers={"Authorization": f"token {lab.token}"})
    with urllib.request.urlopen(request, timeout=10) as resp:
        body = json.load(resp)
    from jupyter_privacy import __version__

    assert body == {"status": "ok", "version": __version__}


def test_privacy_sidebar_follows_the_open_notebook(lab: Lab) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(f"{lab.url}/lab/tree/customers.ipynb?token={lab.token}")
            tab = page.locator('.jp-SideBar.jp-mod-left [data-id="jp-privacy-sidebar"]')
            expect(tab).to_be_visible(timeout=60_000)
            # The notebook must be the active widget before the panel can name it.
            expect(page.locator(".jp-NotebookPanel .jp-Cell").first).to_be_visible(timeout=60_000)
            tab.click()

            panel = page.locator("#jp-privacy-sidebar.jp-PrivacyPanel")
            expect(panel).to_be_visible()
            expect(panel.locator(".jp-PrivacyPanel-notebook")).to_have_text("customers.ipynb")
            expect(panel.locator(".jp-PrivacyPanel-status")).to_have_text("no notebook data yet")

            page.screenshot(path=str(SCREENSHOT))
        finally:
            browser.close()
