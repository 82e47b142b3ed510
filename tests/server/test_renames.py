"""A renamed notebook (or folder) keeps its processing records; a new notebook at the old name does not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jupyter_privacy.ledger import SqliteLedgerStore
from jupyter_privacy.records.aliases import AliasMap


@pytest.fixture
def running_kernel(jp_serverapp: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Pretend a kernel ("kernel-1") runs for a notebook path, without starting a real one."""
    sessions: dict[str, str] = {}

    async def list_sessions() -> list[dict[str, Any]]:
        return [{"path": path, "kernel": {"id": kernel}} for path, kernel in sessions.items()]

    monkeypatch.setattr(jp_serverapp.session_manager, "list_sessions", list_sessions)
    return sessions


async def rename(jp_fetch: Any, jp_serverapp: Any, old: str, new: str) -> None:
    response = await jp_fetch("api", "contents", old, method="PATCH", body=json.dumps({"path": new}))
    assert response.code == 200
    await jp_serverapp.event_logger.gather_listeners()  # the alias is recorded by an event listener


async def state_of(jp_fetch: Any, path: str) -> dict[str, Any]:
    response = await jp_fetch("jupyter-privacy", "state", params={"path": path})
    return json.loads(response.body)


def append(store: Path, notebook: Path, event: str, kernel: str) -> None:
    with SqliteLedgerStore(store) as ledger:
        ledger.append(str(notebook), event, {"format": "json"}, kernel_id=kernel, policy_sha256="0" * 64)


async def test_renamed_notebook_keeps_its_records(
    jp_fetch: Any,
    jp_serverapp: Any,
    notebook: Any,
    session_log: Any,
    store_path: Path,
    running_kernel: dict[str, str],
) -> None:
    old = notebook("draft.ipynb")
    session_log(old)
    running_kernel["draft.ipynb"] = "kernel-1"

    await rename(jp_fetch, jp_serverapp, "draft.ipynb", "churn.ipynb")
    # the running kernel still logs under the name it was started with
    append(store_path, old, "record_exported", "kernel-1")

    state = await state_of(jp_fetch, "churn.ipynb")
    assert state["chains"] == [str(old)]
    assert state["purpose"]["purpose"] == "churn-model"
    assert [d["variable"] for d in state["datasets"]] == ["customers"]
    assert state["records"] == 7
    verified = json.loads((await jp_fetch("jupyter-privacy", "verify", params={"path": "churn.ipynb"})).body)
    assert verified["ok"] is True
    assert [c["notebook"] for c in verified["chains"]] == [str(old)]

    # a new notebook created under the old name starts with its own, empty history
    running_kernel.clear()
    notebook("draft.ipynb")
    append(store_path, old, "session_start", "kernel-2")
    fresh = await state_of(jp_fetch, "draft.ipynb")
    assert fresh["records"] == 1
    assert (await state_of(jp_fetch, "churn.ipynb"))["records"] == 7


async def test_renamed_folder_keeps_the_records_of_its_notebooks(
    jp_fetch: Any, jp_serverapp: Any, notebook: Any, session_log: Any, running_kernel: dict[str, str]
) -> None:
    first = notebook("project/analysis.ipynb")
    session_log(first)
    await rename(jp_fetch, jp_serverapp, "project", "churn-2026")
    await rename(jp_fetch, jp_serverapp, "churn-2026/analysis.ipynb", "churn-2026/final.ipynb")
    state = await state_of(jp_fetch, "churn-2026/final.ipynb")
    assert state["chains"] == [str(first)]
    assert state["purpose"]["purpose"] == "churn-model"


def test_aliases_survive_a_server_restart(tmp_path: Path) -> None:
    path = str(tmp_path / "aliases.json")
    AliasMap(path).add("/r/a.ipynb", "/r/b.ipynb", ["k1"], at="2026-01-01T00:00:00.000000Z")
    again = AliasMap(path)
    assert again.chains_for("/r/b.ipynb") == ["/r/a.ipynb", "/r/b.ipynb"]
    before = {"ts": "2025-12-31T23:59:59.000000Z", "kernel_id": "k0"}
    later_same_kernel = {"ts": "2026-01-02T00:00:00.000000Z", "kernel_id": "k1"}
    later_other_kernel = {"ts": "2026-01-02T00:00:00.000000Z", "kernel_id": "k9"}
    assert again.owner("/r/a.ipynb", before) == "/r/b.ipynb"
    assert again.owner("/r/a.ipynb", later_same_kernel) == "/r/b.ipynb"
    assert again.owner("/r/a.ipynb", later_other_kernel) == "/r/a.ipynb"
    assert again.owner("/r/a.ipynbx", before) == "/r/a.ipynbx"  # a prefix is not a folder


def test_a_broken_alias_file_is_reported_with_its_location(tmp_path: Path) -> None:
    path = tmp_path / "aliases.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match="alias_path"):
        AliasMap(str(path))
