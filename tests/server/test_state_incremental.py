"""The sidebar state over real HTTP is kept up to date from new records, bounded in size, and rebuilt
when the log went backwards; it always equals the state computed from the whole log."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_privacy.ledger import SqliteLedgerStore
from jupyter_privacy.server.state import notebook_state
from jupyter_privacy.server.state_cache import TIMELINE_CELLS

POLICY = "ab" * 32


async def state_of(jp_fetch: Any, path: str) -> tuple[dict[str, Any], int]:
    response = await jp_fetch("jupyter-privacy", "state", params={"path": path})
    return json.loads(response.body), len(response.body)


def full_state(store: Path, nb: str) -> dict[str, Any]:
    with SqliteLedgerStore(store, readonly=True) as ledger:
        return notebook_state([r.to_dict() for r in ledger.records(nb)])


def same_current_state(a: dict[str, Any], b: dict[str, Any]) -> None:
    for key in ("purpose", "datasets", "grants", "denials", "session", "records", "last_ts", "minimisation"):
        assert a[key] == b[key], key
    assert a["timeline"] == b["timeline"][-TIMELINE_CELLS:]


def cells(store: Path, nb: str, start: int, n: int, kernel: str = "k1") -> None:
    with SqliteLedgerStore(store) as ledger:
        for i in range(start, start + n):
            ledger.append(nb, "output_written", {"path": f"/out/{i}.csv", "datasets": []}, kernel_id=kernel,
                          cell_id=f"c{i}", execution_count=i, policy_sha256=POLICY)


async def test_new_records_are_folded_in_and_the_answer_stays_small(
    jp_fetch: Any, notebook: Any, session_log: Any, store_path: Path
) -> None:
    nb = str(notebook("big.ipynb"))
    session_log(nb)
    cells(store_path, nb, 10, 300)
    first, size_first = await state_of(jp_fetch, "big.ipynb")
    same_current_state(first, full_state(store_path, nb))
    assert first["timeline_cells"] == 305 and len(first["timeline"]) == TIMELINE_CELLS
    cells(store_path, nb, 400, 2)  # two more cells
    with SqliteLedgerStore(store_path) as ledger:  # and the same cell logs a second event
        ledger.append(nb, "model_trained", {"model_class": "M", "datasets": []}, kernel_id="k1", cell_id="c401",
                      execution_count=401, policy_sha256=POLICY)
    second, size_second = await state_of(jp_fetch, "big.ipynb")
    same_current_state(second, full_state(store_path, nb))
    assert second["records"] == first["records"] + 3 and second["timeline_cells"] == 307
    assert [e["event"] for e in second["timeline"][-1]["events"]] == ["output_written", "model_trained"]
    assert abs(size_second - size_first) < 2000  # bounded: the history does not grow the answer

    page = json.loads((await jp_fetch("jupyter-privacy", "timeline", params={
        "path": "big.ipynb", "before": "10", "limit": "5"})).body)
    assert [c["execution_count"] for c in page["timeline"]] == [10, 11, 12, 13, 14]
    with pytest.raises(HTTPClientError) as bad:  # not the whole history past the limit
        await jp_fetch("jupyter-privacy", "timeline", params={"path": "big.ipynb", "before": "-1", "limit": "5"})
    assert bad.value.code == 400


async def test_a_log_that_went_backwards_is_rebuilt(
    jp_fetch: Any, notebook: Any, session_log: Any, store_path: Path, tmp_path: Path
) -> None:
    nb = str(notebook("back.ipynb"))
    session_log(nb)
    SqliteLedgerStore(store_path).close()
    old = tmp_path / "old.sqlite3"
    shutil.copy(store_path, old)
    with SqliteLedgerStore(store_path) as ledger:
        ledger.append(nb, "session_start", {}, kernel_id="k2", policy_sha256=POLICY)
    assert (await state_of(jp_fetch, "back.ipynb"))[0]["purpose"] is None
    for suffix in ("-wal", "-shm"):
        Path(str(store_path) + suffix).unlink(missing_ok=True)
    shutil.copy(old, store_path)  # the older copy, where the purpose is still current
    state, _ = await state_of(jp_fetch, "back.ipynb")
    same_current_state(state, full_state(store_path, nb))
    assert state["purpose"]["purpose"] == "churn-model"


async def test_minimisation_spans_sessions_and_polls(
    jp_fetch: Any, notebook: Any, session_log: Any, store_path: Path
) -> None:
    """Columns a model used stay used after later polls and after a kernel restart (the whole history
    counts, not the records the current state is folded from)."""
    nb = str(notebook("min.ipynb"))
    session_log(nb)
    first, _ = await state_of(jp_fetch, "min.ipynb")
    (load,) = first["minimisation"]
    assert [c["column"] for c in load["unused"]] == ["diagnosis", "date_of_birth"]  # e-mails were written
    with SqliteLedgerStore(store_path) as ledger:
        used = {"dataset": "ds-abc123abc123", "column": "date_of_birth", "category": "quasi"}
        ledger.append(nb, "model_trained", {"model_class": "M", "datasets": ["ds-abc123abc123"],
                                            "personal_data": [used]},
                      kernel_id="kernel-1", cell_id="c9", execution_count=9, policy_sha256=POLICY)
        ledger.append(nb, "session_start", {}, kernel_id="kernel-2", policy_sha256=POLICY)
    second, _ = await state_of(jp_fetch, "min.ipynb")
    same_current_state(second, full_state(store_path, nb))
    (load,) = second["minimisation"]
    assert [c["column"] for c in load["used"]] == ["email", "date_of_birth"]
    assert [c["column"] for c in load["unused"]] == ["diagnosis"]


async def test_a_last_record_replaced_at_the_same_length_is_rebuilt(
    jp_fetch: Any, notebook: Any, session_log: Any, store_path: Path, tmp_path: Path
) -> None:
    """A copy of the log with as many records but a different last one (restored, or rewritten) must not
    keep showing what the replaced record said."""
    nb = str(notebook("same.ipynb"))
    session_log(nb)
    SqliteLedgerStore(store_path).close()
    old = tmp_path / "old.sqlite3"
    shutil.copy(store_path, old)
    with SqliteLedgerStore(store_path) as ledger:
        ledger.append(nb, "session_start", {}, kernel_id="k2", policy_sha256=POLICY)
    assert (await state_of(jp_fetch, "same.ipynb"))[0]["purpose"] is None
    for suffix in ("-wal", "-shm"):
        Path(str(store_path) + suffix).unlink(missing_ok=True)
    shutil.copy(old, store_path)
    with SqliteLedgerStore(store_path) as ledger:  # as many records as before, a different last one
        ledger.append(nb, "purpose_declared", {"purpose": "other", "basis": "consent", "reference": "X-1"},
                      kernel_id="kernel-1", cell_id="c7", execution_count=7, policy_sha256=POLICY)
    state, _ = await state_of(jp_fetch, "same.ipynb")
    same_current_state(state, full_state(store_path, nb))
    assert state["purpose"]["purpose"] == "other"


class _Chains:
    """Two chains whose records become visible out of log order (a write that committed late): the
    interleaving two processes can produce between a poll's reads of one chain and the next."""

    def __init__(self) -> None:
        self.chains: dict[str, list[Any]] = {}

    def add(self, chain: str, ts: str, event: str, payload: dict[str, Any]) -> None:
        from types import SimpleNamespace

        records = self.chains.setdefault(chain, [])
        prev = records[-1].hash if records else "0" * 64
        data = {"event": event, "payload": payload, "kernel_id": chain, "cell_id": None, "execution_count": None}
        seq = len(records) + 1
        records.append(SimpleNamespace(seq=seq, ts=ts, prev_hash=prev, hash=f"{chain}-{seq}",
                                       to_dict=lambda d=data, s=seq, t=ts: dict(d, seq=s, ts=t)))

    def recorded_head(self, chain: str) -> Any:
        records = self.chains.get(chain)
        return records[-1] if records else None

    def records_after(self, chain: str, seq: int, limit: int) -> list[Any]:
        return self.chains.get(chain, [])[seq : seq + limit]

    def merged(self) -> list[dict[str, Any]]:
        items = [(r.ts, c, r.seq, r.to_dict()) for c, rs in self.chains.items() for r in rs]
        return [item[3] for item in sorted(items, key=lambda item: item[:3])]


def test_a_record_older_than_one_shown_rebuilds_the_view() -> None:
    from jupyter_privacy.server.state_cache import StateCache

    store, cache = _Chains(), StateCache()

    def poll() -> dict[str, Any]:
        return cache.state(store, "nb", ["A", "B"], lambda chain, record: True, ("key",))  # type: ignore[arg-type]

    loaded = {"dataset": "ds-1", "source": "x.csv", "variable": "df"}
    store.add("A", "t01", "session_start", {})
    store.add("A", "t02", "dataset_loaded", {**loaded, "findings": [{"name": "email", "category": "direct"}]})
    poll()
    store.add("B", "t05", "dataset_loaded", {**loaded, "findings": [{"name": "phone", "category": "direct"}]})
    poll()
    # committed late, older than t05: a reload that the later one supersedes
    store.add("A", "t03", "dataset_loaded", {**loaded, "findings": [{"name": "name", "category": "direct"}]})
    state = poll()
    full = notebook_state(store.merged())
    for key in ("purpose", "datasets", "minimisation"):
        assert state[key] == full[key], key
    assert [f["name"] for f in state["datasets"][0]["flagged"]] == ["phone"]  # the newest load wins
