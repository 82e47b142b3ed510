"""``ungoverned_read`` records (issue 9, item 4) in the sidebar state and the Art. 30 record, over HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jupyter_privacy.ledger import SqliteLedgerStore

READ = {"path": "/data/customers.csv", "datasets": ["ds-abc123abc123"], "via": "polars.read_csv", "count": 2}


def log_read(store: Path, notebook: str) -> None:
    with SqliteLedgerStore(store) as ledger:
        ledger.append(
            notebook,
            "ungoverned_read",
            READ,
            kernel_id="kernel-1",
            cell_id="c9",
            execution_count=9,
            policy_sha256="0" * 64,
        )


async def test_state_lists_ungoverned_reads_of_the_current_session(
    jp_fetch: Any, notebook: Any, session_log: Any, store_path: Path
) -> None:
    nb = notebook("reads.ipynb")
    session_log(nb)
    log_read(store_path, str(nb))
    state = json.loads((await jp_fetch("jupyter-privacy", "state", params={"path": "reads.ipynb"})).body)
    [read] = state["ungoverned_reads"]
    assert {k: read[k] for k in READ} == READ
    assert read["execution_count"] == 9
    last = state["timeline"][-1]["events"][-1]
    assert (last["event"], last["via"], last["path"]) == ("ungoverned_read", "polars.read_csv", READ["path"])


async def test_the_processing_record_lists_them(
    jp_fetch: Any, notebook: Any, session_log: Any, store_path: Path
) -> None:
    nb = notebook("reads.ipynb")
    session_log(nb)
    log_read(store_path, str(nb))
    bodies = {}
    for fmt in ("json", "html", "csv"):
        response = await jp_fetch(
            "jupyter-privacy",
            "export",
            method="POST",
            body=json.dumps({"path": "reads.ipynb", "format": fmt}),
        )
        bodies[fmt] = response.body.decode()
    [read] = json.loads(bodies["json"])["evidence"]["ungoverned_reads"]
    assert {k: read[k] for k in READ} == READ and read["cell_id"] == "c9"
    assert "Reads around the governed path" in bodies["html"] and "polars.read_csv" in bodies["html"]
    assert "ungoverned read" in bodies["csv"]
