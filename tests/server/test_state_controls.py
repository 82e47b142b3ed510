"""The sidebar state after the user's controls: revoked grants (purpose change or end)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jupyter_privacy.ledger import SqliteLedgerStore


async def state_of(jp_fetch: Any, path: str) -> dict[str, Any]:
    response = await jp_fetch("jupyter-privacy", "state", params={"path": path})
    assert response.code == 200
    return json.loads(response.body)


def append(store_path: Path, nb: Path, event: str, payload: dict[str, Any]) -> None:
    with SqliteLedgerStore(store_path) as ledger:
        ledger.append(str(nb), event, payload, kernel_id="kernel-1", policy_sha256="0" * 64)


async def test_revoked_grants_leave_the_sidebar(
    jp_fetch: Any, notebook: Any, session_log: Any, store_path: Path
) -> None:
    nb = notebook("revoke.ipynb")
    session_log(nb)
    before = await state_of(jp_fetch, "revoke.ipynb")
    assert before["grants"] and any(c.get("unmasked") for c in before["datasets"][0]["flagged"])
    append(store_path, nb, "grants_revoked", {"reason": "purpose changed to x", "grants": before["grants"]})
    after = await state_of(jp_fetch, "revoke.ipynb")
    assert after["grants"] == []
    assert not any(c.get("unmasked") for c in after["datasets"][0]["flagged"])


async def test_ended_purpose_and_flagged_column_show_in_the_sidebar(
    jp_fetch: Any, notebook: Any, session_log: Any, store_path: Path
) -> None:
    nb = notebook("controls.ipynb")
    session_log(nb)
    before = await state_of(jp_fetch, "controls.ipynb")
    ds = before["datasets"][0]["dataset"]
    append(
        store_path,
        nb,
        "column_flagged",
        {
            "dataset": ds,
            "column": "amount",
            "from": {"category": "none", "entities": []},
            "to": {"category": "special", "entities": ["HEALTH"], "special_category": "HEALTH"},
            "strategy": "redact",
            "detail": "values replaced by [REDACTED]",
        },
    )
    append(store_path, nb, "purpose_ended", {"purpose": "churn-model"})
    state = await state_of(jp_fetch, "controls.ipynb")
    assert state["purpose"] is None and state["grants"] == []
    amount = next(c for c in state["datasets"][0]["flagged"] if c["name"] == "amount")
    assert amount["category"] == "special" and amount["flagged_by_user"] is True
    assert amount["strategy"] == "redact"
    events = [e["event"] for g in state["timeline"] for e in g["events"]]
    assert events[-2:] == ["column_flagged", "purpose_ended"]
