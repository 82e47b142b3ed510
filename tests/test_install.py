"""The installed package is wired into Jupyter: lab extension, server extension, IPython extension."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator

import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager, start_new_kernel

ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def _jupyter(*args: str) -> str:
    """Run ``jupyter ARGS`` with this interpreter; return its output (the listings print to stderr)."""
    proc = subprocess.run(
        [sys.executable, "-m", "jupyter", *args], capture_output=True, text=True, timeout=120, check=True
    )
    return ANSI_COLOUR.sub("", proc.stdout + proc.stderr)


def test_labextension_is_installed_and_enabled() -> None:
    out = _jupyter("labextension", "list")
    assert re.search(r"jupyter-privacy v\S+ enabled OK", out), out


def test_server_extension_is_enabled_and_loads() -> None:
    out = _jupyter("server", "extension", "list")
    assert re.search(r"jupyter_privacy enabled", out), out
    assert re.search(r"jupyter_privacy \S+ OK", out), out


@pytest.fixture(scope="module")
def kernel() -> Iterator[BlockingKernelClient]:
    km: KernelManager
    km, kc = start_new_kernel(kernel_name="python3", startup_timeout=60)
    try:
        yield kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def _run(kc: BlockingKernelClient, code: str) -> tuple[dict[str, object], str]:
    """Execute ``code``; return the execute_reply content and everything printed or displayed as text."""
    chunks: list[str] = []

    def on_output(msg: dict[str, object]) -> None:
        content = msg["content"]
        assert isinstance(content, dict)
        if msg["msg_type"] == "stream":
            chunks.append(content["text"])
        elif msg["msg_type"] in ("display_data", "execute_result"):
            chunks.append(content["data"].get("text/plain", ""))
        elif msg["msg_type"] == "error":
            chunks.append("\n".join(content["traceback"]))

    reply = kc.execute_interactive(code, timeout=60, output_hook=on_output)
    return reply["content"], "".join(chunks)


def test_ipython_extension_loads_and_documents_privacy_scan(kernel: BlockingKernelClient) -> None:
    reply, out = _run(kernel, "%load_ext jupyter_privacy")
    assert reply["status"] == "ok", out

    reply, out = _run(kernel, "%privacy_scan --help")
    assert reply["status"] == "ok", out
    assert "%privacy_scan [-h] [variable]" in out
    assert "DataFrame" in out


def test_privacy_scan_names_a_missing_variable(kernel: BlockingKernelClient) -> None:
    _run(kernel, "%load_ext jupyter_privacy")
    reply, out = _run(kernel, "%privacy_scan no_such_frame")
    assert reply["status"] == "error"
    assert "no variable named 'no_such_frame'" in out
