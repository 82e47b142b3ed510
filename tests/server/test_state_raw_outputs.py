"""The sidebar's timeline (GET /jupyter-privacy/state, real jupyter_server) marks unmasked written columns."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jupyter_privacy.ledger import SqliteLedgerStore


async def test_timeline_names_the_unmasked_columns_of_a_written_file(
    jp_fetch: Any, notebook: Any, session_log: Any, store_path: Path
) -> None:
    path = notebook("raw.ipynb")
    session_log(path)
    with SqliteLedgerStore(store_path) as ledger:
        ledger.append(
            str(path),
            "output_written",
            {"path": "/out/contacts.csv", "sha256": "c" * 64, "kind": "DataFrame", "via": "to_csv",
             "datasets": ["ds-abc123abc123"], "columns": ["email", "plan"], "raw_columns": ["email"]},
            kernel_id="kernel-1", cell_id="c9", execution_count=9, policy_sha256="0" * 64,
        )
    state = json.loads((await jp_fetch("jupyter-privacy", "state", params={"path": "raw.ipynb"})).body)
    written = [e for g in state["timeline"] for e in g["events"] if e["event"] == "output_written"]
    assert [e["raw_columns"] for e in written] == [[], ["email"]]  # in log order; the first had none
