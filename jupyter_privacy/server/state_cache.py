"""The sidebar state of each notebook, kept up to date from new records instead of rebuilt on every poll.

A poll reads, per chain, the head pointer and the records after the last seq it has seen (two indexed
queries), folds them into the kept view and answers with the current state and the newest
:data:`TIMELINE_CELLS` cells of the timeline (older cells are paged with :meth:`StateCache.timeline_page`).
So a poll of a notebook with 20,000 records costs what its new records cost, not what its history costs.
The view is rebuilt from scratch when it cannot be extended safely: the chains or renames changed, a
chain's head went backwards, or the first new record does not link to the last one seen.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..ledger import LedgerStore
from ..records.minimisation import Minimisation
from .state import CURRENT_EVENTS, notebook_state, timeline

TIMELINE_CELLS = 30
_STATE_EVENTS = CURRENT_EVENTS | {"session_start", "session_end"}
_BATCH = 5000


@dataclass
class _View:
    key: tuple[Any, ...]
    seen: dict[str, tuple[int, str]] = field(default_factory=dict)  # chain -> (last seq, its hash)
    used: set[str] = field(default_factory=set)
    current: list[dict[str, Any]] = field(default_factory=list)  # records since the last session_start
    groups: list[dict[str, Any]] = field(default_factory=list)  # the whole timeline, grouped by cell
    minimisation: Minimisation = field(default_factory=Minimisation)  # over the whole history
    count: int = 0
    last_ts: str | None = None
    last_key: tuple[str, str, int] | None = None  # (ts, chain, seq) of the last record folded in


class StateCache:
    """Per-notebook views, shared by the server's request threads."""

    def __init__(self) -> None:
        self._views: dict[str, _View] = {}
        self._lock = threading.Lock()

    def state(
        self,
        store: LedgerStore,
        notebook: str,
        chains: list[str],
        belongs: Callable[[str, dict[str, Any]], bool],
        key: tuple[Any, ...],
    ) -> dict[str, Any]:
        """The sidebar state of ``notebook`` (records of ``chains`` for which ``belongs`` holds)."""
        with self._lock:
            view = self._views.get(notebook)
            if view is None or view.key != key or not self._extend(view, store, chains, belongs):
                view = _View(key)
                self._extend(view, store, chains, belongs)
                self._views[notebook] = view
            state = notebook_state(view.current)
            state.update(
                timeline=[dict(g, events=list(g["events"])) for g in view.groups[-TIMELINE_CELLS:]],
                timeline_cells=len(view.groups),
                minimisation=view.minimisation.result(),
                records=view.count,
                last_ts=view.last_ts,
                version=view.count,
                chains=sorted(view.used),
            )
            return state

    def timeline_page(self, notebook: str, before: int, limit: int) -> list[dict[str, Any]]:
        """Timeline cells ``[before - limit, before)`` of a notebook whose state was read (oldest first)."""
        with self._lock:
            view = self._views.get(notebook)
            if view is None:
                return []
            start = max(0, before - limit)
            return [dict(g) for g in view.groups[start:before]]

    def _extend(
        self,
        view: _View,
        store: LedgerStore,
        chains: list[str],
        belongs: Callable[[str, dict[str, Any]], bool],
    ) -> bool:
        """Fold the records after those seen into ``view``; False when the view must be rebuilt."""
        new: list[tuple[str, str, int, dict[str, Any]]] = []
        for chain in chains:
            last_seq, last_hash = view.seen.get(chain, (0, ""))
            head = store.recorded_head(chain)
            if last_seq and (head is None or head.seq < last_seq):
                return False  # truncated, deleted or restored from an older copy
            if head is None:
                continue
            if head.seq == last_seq:
                if head.hash != last_hash:
                    return False  # the last record seen was replaced (a copy of the same length)
                continue
            while True:
                batch = store.records_after(chain, last_seq, _BATCH)
                if not batch:
                    break
                if last_seq and batch[0].seq == last_seq + 1 and batch[0].prev_hash != last_hash:
                    return False  # rewritten below the part already shown
                for record in batch:
                    data = record.to_dict()
                    if belongs(chain, data):
                        new.append((record.ts, chain, record.seq, data))
                last_seq, last_hash = batch[-1].seq, batch[-1].hash
                if len(batch) < _BATCH:
                    break
            view.seen[chain] = (last_seq, last_hash)
        new.sort(key=lambda item: item[:3])
        if new and view.last_key is not None and new[0][:3] < view.last_key:
            return False  # a record older than one already shown became visible: log order must hold
        self._fold(view, new)
        return True

    def _fold(self, view: _View, new: list[tuple[str, str, int, dict[str, Any]]]) -> None:
        if not new:
            return
        records = [item[3] for item in new]
        for item in new:
            view.used.add(item[1])
        # only what the current state is folded from: a long session's outputs stay out of every poll
        relevant = [r for r in records if r["event"] in _STATE_EVENTS]
        starts = [i for i, r in enumerate(relevant) if r["event"] == "session_start"]
        view.current = relevant[starts[-1] :] if starts else view.current + relevant
        view.minimisation.add(records)
        groups = timeline(records)
        if view.groups and groups and _same_cell(view.groups[-1], groups[0]):
            view.groups[-1]["events"].extend(groups.pop(0)["events"])
        view.groups.extend(groups)
        view.count += len(records)
        view.last_ts = records[-1]["ts"]
        view.last_key = (new[-1][0], new[-1][1], new[-1][2])


def _same_cell(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return all(a.get(k) == b.get(k) for k in ("kernel_id", "cell_id", "execution_count"))
