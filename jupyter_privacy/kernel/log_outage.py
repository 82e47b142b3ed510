"""What the kernel does when the processing log cannot be written (database down, connection lost).

Events that *grant* something (a dataset handed out, raw values, a purpose) are refused under
``enforcement: enforce``: the action is not done, so the log never misses it. Every other event (the
thing already happened: a file written, a model trained, an export, a refusal), and every event under
``enforcement: warn``, is kept in memory with its cell and time, a loud warning is shown, and once the
log can be written again a ``log_outage`` record is appended followed by each missed event, marked
``recorded_late`` with the time it happened. Nothing is dropped silently; a kernel that dies during
an outage loses the kept events, and the warning said so.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..ledger import LedgerError, LedgerRecord
from ..ledger.records import utc_timestamp
from .context import CellContext
from .errors import LogUnavailable

GATED_EVENTS = frozenset({"dataset_loaded", "unmask_granted", "purpose_declared"})
LOG_OUTAGE = "log_outage"


@dataclass(frozen=True)
class MissedEvent:
    event: str
    payload: dict[str, Any]
    cell: CellContext
    happened_at: str


class OutageBuffer:
    """The events the log missed, replayed in order once it works again."""

    def __init__(self) -> None:
        self.missed: list[MissedEvent] = []
        self.error: str | None = None

    def failed(
        self, event: str, payload: dict[str, Any], cell: CellContext, exc: LedgerError, enforce: bool
    ) -> None:
        """Refuse a gated event under enforce (raise), else keep it and warn loudly."""
        self.error = exc.what
        if enforce and event in GATED_EVENTS:
            raise LogUnavailable(
                f"refused: the processing log cannot be written ({exc.what}), and under enforcement every "
                f"{event.replace('_', ' ')} must be logged first; nothing was done. {exc.fix}"
            ) from None
        self.missed.append(MissedEvent(event, payload, cell, utc_timestamp()))
        print(
            f"\n*** jupyter-privacy: THE PROCESSING LOG IS UNAVAILABLE ({exc.what}). "
            f"{len(self.missed)} event(s) kept in memory, written as soon as the log works again; "
            "they are lost if this kernel stops before that. ***\n",
            file=sys.stderr,
        )

    def replay(self, append: Callable[[str, dict[str, Any], CellContext], LedgerRecord]) -> None:
        """Append ``log_outage`` and every missed event (``recorded_late``); stops at the first failure."""
        if not self.missed:
            return
        first, last = self.missed[0].happened_at, self.missed[-1].happened_at
        append(
            LOG_OUTAGE,
            {
                "missed_events": len(self.missed),
                "first_missed_at": first,
                "last_missed_at": last,
                "error": self.error,
            },
            CellContext(),
        )
        while self.missed:
            m = self.missed[0]
            append(m.event, {**m.payload, "recorded_late": True, "happened_at": m.happened_at}, m.cell)
            self.missed.pop(0)
        self.error = None
