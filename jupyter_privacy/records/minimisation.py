"""Data minimisation from what ran (GDPR Art. 5(1)(c), Art. 25): personal data loaded but never used.

For each dataset load in a notebook's (or a project's) records: the columns its scan flagged as personal
data, and which of them reached a model (``model_trained``: features and targets) or an output file
(``output_written``). Those that reached neither are candidates to leave out of the load
(``%privacy_load PATH --columns a,b``). Masked columns count: tokens are still personal data.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

USING_EVENTS = ("model_trained", "output_written")


def _used_pairs(record: dict[str, Any]) -> set[tuple[str, str]]:
    """(dataset, column) pairs that one model/output record says went in."""
    p = record.get("payload") or {}
    entries = p.get("personal_data")
    if isinstance(entries, list):
        return {(str(e.get("dataset")), str(e.get("column"))) for e in entries if isinstance(e, dict)}
    # records written before personal_data existed: every named column of every source dataset
    names = [*(p.get("columns") or []), *(p.get("targets") or [])]
    return {(str(d), str(c)) for d in p.get("datasets") or [] for c in names}


def _flagged(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"column": str(f.get("name")), "category": f.get("category"), "entities": f.get("entities", [])}
        for f in payload.get("findings", [])
        if f.get("category") not in (None, "none")
    ]


class Minimisation:
    """The minimisation view, fed records in log order (the sidebar feeds only the new ones each poll)."""

    def __init__(self) -> None:
        self.used: set[tuple[str, str]] = set()
        self.loads: dict[str, dict[str, Any]] = {}

    def add(self, records: Iterable[dict[str, Any]]) -> Minimisation:
        for record in records:
            event = record.get("event")
            if event in USING_EVENTS:
                self.used |= _used_pairs(record)
            elif event == "dataset_loaded":
                p = record.get("payload") or {}
                dataset = str(p.get("dataset"))
                self.loads[dataset] = {
                    "dataset": dataset,
                    "source": p.get("source"),
                    "variable": p.get("variable"),
                    "flagged": _flagged(p),
                }
        return self

    def result(self) -> list[dict[str, Any]]:
        """Per dataset loaded: personal-data columns used by a model/output, and those never used."""
        out = []
        for load in self.loads.values():
            dataset, flagged = load["dataset"], load["flagged"]
            out.append(
                {
                    "dataset": dataset,
                    "source": load["source"],
                    "variable": load["variable"],
                    "used": [f for f in flagged if (dataset, f["column"]) in self.used],
                    "unused": [f for f in flagged if (dataset, f["column"]) not in self.used],
                }
            )
        return out


def minimisation(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per dataset loaded: personal-data columns used by a model/output, and those never used."""
    return Minimisation().add(records).result()
