"""Run a list of cells in a real kernel (nbclient) and read back outputs and the processing log.

Cells tagged ``raises-exception`` may fail; a test then reads what the user saw in that cell.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from jupyter_privacy.ledger import LedgerRecord, SqliteLedgerStore, verify_chain

FAILS = "raises-exception"


@dataclass
class KernelRun:
    workdir: Path
    ledger: Path
    notebook: Path
    nb: Any
    records: list[LedgerRecord]

    def cell(self, cell_id: str) -> Any:
        return next(c for c in self.nb.cells if c.get("id") == cell_id)

    def text(self, cell_id: str) -> str:
        """Everything the user saw in a cell: streams, error lines, and every display MIME type."""
        parts: list[str] = []
        for out in self.cell(cell_id).outputs:
            if "text" in out:
                # one print can arrive as several stream messages: they continue the same text
                if parts and out.get("output_type") == "stream" and not parts[-1].endswith("\n"):
                    parts[-1] += out["text"]
                    continue
                parts.append(out["text"])
            if out.get("output_type") == "error":
                parts.append(f"{out['ename']}: {out['evalue']}")
                parts.extend(out.get("traceback", []))
            for value in out.get("data", {}).values():
                parts.append(value if isinstance(value, str) else json.dumps(value))
        return "\n".join(parts)

    def errors(self, cell_id: str) -> list[Any]:
        return [o for o in self.cell(cell_id).outputs if o.get("output_type") == "error"]

    def events(self) -> list[str]:
        return [r.event for r in self.records]

    def after(self, cell_id: str) -> list[LedgerRecord]:
        return [r for r in self.records if r.cell_id == cell_id]


def run_cells(
    workdir: Path,
    cells: list[tuple[str, str]],
    *,
    policy_writer: Callable[..., tuple[Path, Path]],
    examples_dir: Path,
    key: str,
    fails: set[str] = frozenset(),  # type: ignore[assignment]
    **policy_changes: Any,
) -> KernelRun:
    """Execute ``cells`` (id, source) in a fresh kernel with the example policy and data in ``workdir``."""
    shutil.copytree(examples_dir / "data", workdir / "data", dirs_exist_ok=True)
    policy, ledger = policy_writer(workdir, **policy_changes)
    notebook = workdir / "run.ipynb"
    nb = new_notebook(
        cells=[
            new_code_cell(src, id=cid, metadata={"tags": [FAILS]} if cid in fails else {})
            for cid, src in cells
        ]
    )
    with pytest.MonkeyPatch.context() as mp:  # the kernel subprocess inherits these
        mp.setenv("JUPYTER_PRIVACY_POLICY", str(policy))
        mp.setenv("JUPYTER_PRIVACY_KEY", key)
        mp.setenv("JUPYTER_PRIVACY_NOTEBOOK", str(notebook))
        client = NotebookClient(
            nb, kernel_name="python3", timeout=180, resources={"metadata": {"path": str(workdir)}}
        )
        client.on_cell_execute = _cell_id_sender(client)
        client.execute()
    store = SqliteLedgerStore(ledger, readonly=True)
    try:
        records = list(store.records(str(notebook.resolve())))
        report = verify_chain(store, str(notebook.resolve()))
        assert report.ok, report.summary()
    finally:
        store.close()
    return KernelRun(workdir, ledger, notebook, nb, records)


def _cell_id_sender(client: NotebookClient) -> Callable[..., None]:
    """JupyterLab sends each cell's id with its execute_request; nbclient does not, so add it."""
    current: dict[str, str | None] = {"id": None}

    def on_cell_execute(cell: Any, cell_index: int) -> None:
        current["id"] = cell.get("id")
        session = client.kc.session
        if getattr(session, "_adds_cell_id", False):
            return
        original = session.msg

        def msg(msg_type: str, content: Any = None, *args: Any, **kwargs: Any) -> Any:
            message = original(msg_type, content, *args, **kwargs)
            if msg_type == "execute_request":
                message["metadata"]["cellId"] = current["id"]
            return message

        session.msg = msg
        session._adds_cell_id = True

    return on_cell_execute
