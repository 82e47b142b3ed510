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


def _used(records: Iterable[dict[str, Any]]) -> set[tuple[str, str]]:
    """(dataset, column) pairs that went into a model or an output."""
    used: set[tuple[str, str]] = set()
    for record in records:
        if record.get("event") not in USING_EVENTS:
            continue
        p = record.get("payload") or {}
        entries = p.get("personal_data")
        if isinstance(entries, list):
            used.update((str(e.get("dataset")), str(e.get("column"))) for e in entries if isinstance(e, dict))
            continue
        # records written before personal_data existed: every named column of every source dataset
        names = [*(p.get("columns") or []), *(p.get("targets") or [])]
        used.update((str(d), str(c)) for d in p.get("datasets") or [] for c in names)
    return used


def minimisation(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per dataset loaded: personal-data columns used by a model/output, and those never used."""
    used = _used(records)
    out: dict[str, dict[str, Any]] = {}
    for record in records:
        if record.get("event") != "dataset_loaded":
            continue
        p = record.get("payload") or {}
        dataset = str(p.get("dataset"))
        flagged = [
            {"column": str(f.get("name")), "category": f.get("category"), "entities": f.get("entities", [])}
            for f in p.get("findings", [])
            if f.get("category") not in (None, "none")
        ]
        out[dataset] = {
            "dataset": dataset,
            "source": p.get("source"),
            "variable": p.get("variable"),
            "used": [f for f in flagged if (dataset, f["column"]) in used],
            "unused": [f for f in flagged if (dataset, f["column"]) not in used],
        }
    return list(out.values())
