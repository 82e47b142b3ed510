"""The ``model_trained`` payload, built the same way for every library (scikit-learn, statsmodels,
LightGBM, PyTorch, Spark MLlib ...): which model, from which datasets and columns, which of those hold
personal data (with category; tokens are personal data too) and which were raw (unmasked) values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TrainingInput:
    """One governed input of a fit: its datasets, the columns that went in, and the row count."""

    datasets: tuple[str, ...]
    columns: tuple[str, ...]
    rows: int | None
    raw_columns: frozenset[str] = field(default_factory=frozenset)
    """Columns whose values were raw (unmasked under a grant), not tokens."""
    targets: tuple[str, ...] = ()
    """Label columns that came with the features (e.g. a LightGBM dataset's ``label``)."""


def personal_data(inputs: Iterable[TrainingInput], findings: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The personal-data columns that went into a model, per dataset, with category and raw flag.

    ``findings`` maps a dataset id to its scan (``ScanResult``: ``scan[column]`` gives the finding).
    A column counts for a dataset when that dataset's scan flagged a column of that name.
    """
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for item in inputs:
        for dataset in item.datasets:
            scan = findings.get(dataset)
            if scan is None:
                continue
            for column in (*item.columns, *item.targets):
                try:
                    finding = scan[column]
                except KeyError:
                    continue
                if not finding.flagged:
                    continue
                entry = seen.setdefault(
                    (dataset, column),
                    {
                        "dataset": dataset,
                        "column": column,
                        "category": finding.category,
                        "entities": list(finding.entities),
                        "raw": False,
                    },
                )
                entry["raw"] = entry["raw"] or column in item.raw_columns
    return sorted(seen.values(), key=lambda e: (e["dataset"], e["column"]))


def model_trained_payload(
    *,
    model_class: str,
    library: str,
    variable: str | None,
    inputs: list[TrainingInput],
    findings: Mapping[str, Any],
    purpose: str | None,
    steps: list[dict[str, str]] | None = None,
    wrapper: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The payload of a ``model_trained`` record."""
    datasets = sorted({d for i in inputs for d in i.datasets})
    # the first governed input holds the features; the others (labels, weights) are targets
    columns = list(inputs[0].columns) if inputs else []
    others = [
        *(inputs[0].targets if inputs else ()),
        *(c for i in inputs[1:] for c in (*i.columns, *i.targets)),
    ]
    targets = [c for c in dict.fromkeys(others) if c not in columns]
    pd_columns = personal_data(inputs, findings)
    rows = [i.rows for i in inputs if i.rows is not None]
    payload: dict[str, Any] = {
        "model_class": model_class,
        "library": library,
        "variable": variable,
        "datasets": datasets,
        "columns": columns,
        "targets": targets,
        "rows": rows[0] if rows else None,
        "personal_data": pd_columns,
        "raw_columns": sorted({e["column"] for e in pd_columns if e["raw"]}),
        "purpose": purpose,
    }
    if steps is not None:
        payload["steps"] = steps
        payload["wrapper"] = wrapper
    if extra:
        payload.update(extra)
    return payload
