"""`jupyter-privacy export` finds a notebook renamed in JupyterLab: the rename goes through a real
jupyter_server (which records the alias), the export runs as the real console command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from jupyter_privacy.ledger import SqliteLedgerStore


async def rename(jp_fetch: Any, jp_serverapp: Any, old: str, new: str) -> None:
    response = await jp_fetch("api", "contents", old, method="PATCH", body=json.dumps({"path": new}))
    assert response.code == 200
    await jp_serverapp.event_logger.gather_listeners()


def export(policy: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "JUPYTER_PRIVACY_POLICY": str(policy), **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "jupyter_privacy", "export", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def restart_under(store: Path, notebook: Path, kernel: str) -> None:
    """A kernel started after the rename: its session_start is logged under the new name."""
    with SqliteLedgerStore(store) as ledger:
        ledger.append(
            str(notebook),
            "session_start",
            {"enforcement": "enforce"},
            kernel_id=kernel,
            policy_sha256="0" * 64,
        )


async def test_export_of_the_new_name_finds_the_records_of_the_old_name(
    jp_fetch: Any,
    jp_serverapp: Any,
    jp_root_dir: Path,
    notebook: Any,
    session_log: Any,
    policy_file: Path,
    privacy_dir: Path,
    store_path: Path,
) -> None:
    old = notebook("draft.ipynb")
    session_log(old)
    await rename(jp_fetch, jp_serverapp, "draft.ipynb", "churn.ipynb")
    new = jp_root_dir / "churn.ipynb"
    restart_under(store_path, new, "kernel-2")  # Kernel > Restart after the rename
    aliases = str(privacy_dir / "aliases.json")

    proc = export(policy_file, "--notebook", str(new), "--format", "json", "--aliases", aliases)
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["processing_recorded"] is True
    assert sorted(record["notebooks"]) == sorted([str(old), str(new)])
    assert [d["dataset"] for d in record["evidence"]["datasets"]] == ["ds-abc123abc123"]
    assert [p["id"] for p in record["purposes"]] == ["churn-model"]

    # a unique suffix of the new name works as it does for recorded names
    html = export(policy_file, "--notebook", "churn.ipynb", "--format", "html", "--aliases", aliases)
    assert html.returncode == 0, html.stderr
    assert "ds-abc123abc123" in html.stdout
    assert "NO PROCESSING RECORDED" not in html.stdout


async def test_default_alias_file_is_the_servers(
    jp_fetch: Any,
    jp_serverapp: Any,
    jp_root_dir: Path,
    notebook: Any,
    session_log: Any,
    policy_file: Path,
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    settings = jp_serverapp.web_app.settings["jupyter_privacy_service"]
    settings.aliases.path = str(data_dir / "jupyter-privacy" / "notebook-aliases.json")
    session_log(notebook("draft.ipynb"))
    await rename(jp_fetch, jp_serverapp, "draft.ipynb", "renamed.ipynb")
    proc = export(
        policy_file,
        "--notebook",
        "renamed.ipynb",
        "--format",
        "json",
        env={"JUPYTER_DATA_DIR": str(data_dir)},
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["evidence"]["datasets"]


async def test_project_export_follows_a_renamed_folder(
    jp_fetch: Any,
    jp_serverapp: Any,
    jp_root_dir: Path,
    notebook: Any,
    session_log: Any,
    policy_file: Path,
    privacy_dir: Path,
) -> None:
    session_log(notebook("old-project/analysis.ipynb"))
    await rename(jp_fetch, jp_serverapp, "old-project", "churn-project")
    proc = export(
        policy_file,
        "--project",
        str(jp_root_dir / "churn-project"),
        "--format",
        "json",
        "--aliases",
        str(privacy_dir / "aliases.json"),
    )
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["notebooks"] == [str(jp_root_dir / "old-project" / "analysis.ipynb")]
    assert record["evidence"]["datasets"]


async def test_an_export_that_finds_no_processing_says_so_and_fails(
    jp_fetch: Any,
    jp_serverapp: Any,
    jp_root_dir: Path,
    notebook: Any,
    session_log: Any,
    policy_file: Path,
    privacy_dir: Path,
    store_path: Path,
) -> None:
    session_log(notebook("draft.ipynb"))
    await rename(jp_fetch, jp_serverapp, "draft.ipynb", "churn.ipynb")
    # a new notebook under the old name, started by a new kernel: nothing but its session start
    notebook("draft.ipynb")
    restart_under(store_path, jp_root_dir / "draft.ipynb", "kernel-9")
    aliases = str(privacy_dir / "aliases.json")
    for fmt in ("html", "csv", "json"):
        proc = export(
            policy_file, "--notebook", str(jp_root_dir / "draft.ipynb"), "--format", fmt, "--aliases", aliases
        )
        assert proc.returncode == 3, (fmt, proc.stderr)
        assert "NO PROCESSING RECORDED" in proc.stderr
        assert "Processing log verified" not in proc.stdout
        if fmt == "json":
            assert json.loads(proc.stdout)["processing_recorded"] is False
        else:
            assert "NO PROCESSING RECORDED" in proc.stdout
