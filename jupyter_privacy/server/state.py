"""What the sidebar shows, derived from log records and the policy. Plain functions: no tornado here.

A notebook's *current* state (purpose, datasets, unmask grants) is that of its latest kernel session:
a kernel keeps purpose and grants in memory, so a restart starts again from "no purpose declared", and
once that kernel has logged ``session_end`` (restart, shutdown) nothing of it is current. The
*timeline* covers every record, grouped by cell execution.
"""

from __future__ import annotations

from typing import Any

from ..policy import LoadedPolicy
from ..records.minimisation import minimisation

CURRENT_EVENTS = frozenset(
    {
        "purpose_declared",
        "purpose_ended",
        "dataset_loaded",
        "unmask_granted",
        "unmask_denied",
        "grants_revoked",
        "column_flagged",
        "ungoverned_read",
    }
)


def policy_summary(loaded: LoadedPolicy, poll_interval: float) -> dict[str, Any]:
    """Purposes, bases, reference formats, enforcement and whether the built-in default is in use.

    Never the key: only where it comes from (``env`` and the variable's name, or ``file``).
    """
    policy = loaded.policy
    key: dict[str, Any] = {"source": policy.key.source}
    if policy.key.source == "env":
        key["env_var"] = policy.key.env_var
    return {
        "source": loaded.source,
        "sha256": loaded.sha256,
        "default": loaded.is_default,
        "enforcement": policy.enforcement,
        "controller": policy.controller.name,
        "purposes": [
            {
                "id": p.id,
                "description": p.description,
                "lawful_bases": list(p.lawful_bases),
                "reference": p.reference.model_dump(mode="json") if p.reference else None,
                "special_categories": (
                    p.special_categories.model_dump(mode="json") if p.special_categories else None
                ),
                "unmask": p.unmask.model_dump(mode="json"),
                "retention": p.retention,
            }
            for p in policy.purposes
        ],
        "key": key,
        "server": {"poll_interval": poll_interval},
    }


def _dataset(record: dict[str, Any]) -> dict[str, Any]:
    payload = record["payload"]
    masking = {m.get("column"): m for m in (payload.get("masking") or {}).get("columns", [])}
    flagged = []
    for finding in payload.get("findings", []):
        if finding.get("category", "none") == "none":
            continue
        applied = masking.get(finding.get("name"), {})
        flagged.append(
            {
                "name": finding.get("name"),
                "category": finding.get("category"),
                "entities": list(finding.get("entities", [])),
                "score": finding.get("score"),
                "coverage": finding.get("coverage"),
                "special_category": finding.get("special_category"),
                "strategy": applied.get("strategy"),
                "detail": applied.get("detail"),
                "unmasked": False,
            }
        )
    shape = payload.get("shape") or [None, None]
    return {
        "dataset": payload.get("dataset"),
        "source": payload.get("source"),
        "variable": payload.get("variable"),
        "rows": shape[0],
        "columns": shape[1],
        "key_id": (payload.get("masking") or {}).get("key_id"),
        "reidentification": payload.get("reidentification"),
        "flagged": flagged,
        "seq": record["seq"],
        "ts": record["ts"],
        "cell_id": record.get("cell_id"),
        "execution_count": record.get("execution_count"),
    }


def _flag(dataset: dict[str, Any], payload: dict[str, Any]) -> None:
    """A user's correction (``column_flagged``) shown on the column, added if the scanner missed it."""
    to = payload.get("to") or {}
    column = next((c for c in dataset["flagged"] if c["name"] == payload.get("column")), None)
    if column is None:
        column = {"name": payload.get("column"), "score": None, "coverage": None, "unmasked": False}
        dataset["flagged"].append(column)
    column.update(
        category=to.get("category"),
        entities=list(to.get("entities") or []),
        special_category=to.get("special_category"),
        strategy=payload.get("strategy"),
        detail=payload.get("detail"),
        flagged_by_user=True,
    )


def _ungoverned(record: dict[str, Any]) -> dict[str, Any]:
    """A read of a governed file around jupyter-privacy (``open()``, ``csv``, pyarrow, polars)."""
    p = record["payload"]
    return {
        "path": p.get("path"),
        "datasets": p.get("datasets", []),
        "via": p.get("via"),
        "count": p.get("count"),
        "seq": record["seq"],
        "ts": record["ts"],
        "cell_id": record.get("cell_id"),
        "execution_count": record.get("execution_count"),
    }


def _event_summary(record: dict[str, Any]) -> dict[str, Any]:
    """A timeline entry: the event and the few payload fields that say what happened (no values)."""
    p = record["payload"]
    event = record["event"]
    out: dict[str, Any] = {
        "seq": record["seq"],
        "ts": record["ts"],
        "event": event,
        "user": record.get("user"),
    }
    if event == "dataset_loaded":
        out.update(dataset=p.get("dataset"), source=p.get("source"), variable=p.get("variable"))
    elif event == "purpose_declared":
        out.update(purpose=p.get("purpose"), lawful_basis=p.get("lawful_basis"), reference=p.get("reference"))
    elif event in ("unmask_granted", "unmask_denied"):
        out.update(
            dataset=p.get("dataset"),
            columns=[c.get("name") for c in p.get("columns", [])],
            purpose=p.get("purpose"),
            reason=p.get("reason"),
        )
    elif event == "output_written":
        out.update(
            path=p.get("path"),
            kind=p.get("kind"),
            datasets=p.get("datasets", []),
            raw_columns=p.get("raw_columns") or [],
        )
    elif event == "model_trained":
        out.update(
            model_class=p.get("model_class"),
            variable=p.get("variable"),
            datasets=p.get("datasets", []),
            purpose=p.get("purpose"),
        )
    elif event == "model_used":
        keys = ("model_class", "purpose", "trained_under", "how", "outcome")
        out.update({k: p.get(k) for k in keys})
    elif event in ("model_logged", "model_registered"):
        keys = ("model_class", "registered_name", "version", "datasets", "purpose")
        out.update({k: p.get(k) for k in keys})
    elif event == "record_exported":
        out.update(format=p.get("format"))
    elif event in ("purpose_ended", "purpose_refused"):
        out.update(purpose=p.get("purpose"), reason=p.get("refusal"))
    elif event == "column_flagged":
        to = p.get("to") or {}
        out.update(dataset=p.get("dataset"), columns=[p.get("column")], category=to.get("category"))
    elif event == "ungoverned_read":
        out.update(path=p.get("path"), via=p.get("via"), datasets=p.get("datasets", []))
    return out


def timeline(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records grouped into consecutive runs of the same cell execution (kernel, cell id, count)."""
    groups: list[dict[str, Any]] = []
    for record in records:
        key = (record.get("kernel_id"), record.get("cell_id"), record.get("execution_count"))
        if not groups or groups[-1]["_key"] != key:
            groups.append(
                {
                    "_key": key,
                    "cell_id": record.get("cell_id"),
                    "execution_count": record.get("execution_count"),
                    "kernel_id": record.get("kernel_id"),
                    "events": [],
                }
            )
        groups[-1]["events"].append(_event_summary(record))
    for group in groups:
        del group["_key"]
    return groups


def _ended(current: list[dict[str, Any]]) -> str | None:
    """When the latest session's kernel logged its end (``session_end``), else None."""
    if not current or current[0]["event"] != "session_start":
        return None
    kernel = current[0].get("kernel_id")
    for record in current:
        if record["event"] == "session_end" and record.get("kernel_id") == kernel:
            return str(record["ts"])
    return None


def notebook_state(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The sidebar model of one notebook from its records (already in time order, all chains merged)."""
    start = 0
    for i, record in enumerate(records):
        if record["event"] == "session_start":
            start = i
    current = records[start:]
    ended = _ended(current)
    if ended is not None:
        current = []  # the kernel is gone, and its purpose, grants and frames with it
    purpose: dict[str, Any] | None = None
    datasets: dict[str, dict[str, Any]] = {}
    grants: list[dict[str, Any]] = []
    denials: list[dict[str, Any]] = []
    ungoverned: list[dict[str, Any]] = []
    for record in current:
        event, p = record["event"], record["payload"]
        if event not in CURRENT_EVENTS:
            continue
        if event == "purpose_declared":
            # the kernel masks again every column it handed out when the purpose changes
            if purpose is not None and purpose.get("purpose") != p.get("purpose"):
                grants = []
            purpose = {**p, "seq": record["seq"], "ts": record["ts"], "user": record.get("user")}
        elif event == "grants_revoked":
            grants = []
        elif event == "purpose_ended":
            purpose, grants = None, []
        elif event == "column_flagged" and p.get("dataset") in datasets:
            _flag(datasets[p["dataset"]], p)
        elif event == "ungoverned_read":
            ungoverned.append(_ungoverned(record))
        elif event == "dataset_loaded":
            ds = _dataset(record)
            datasets.pop(ds["dataset"], None)
            datasets[ds["dataset"]] = ds
        elif event == "unmask_granted":
            grants.append(
                {
                    "dataset": p.get("dataset"),
                    "columns": [c.get("name") for c in p.get("columns", [])],
                    "purpose": p.get("purpose"),
                    "reason": p.get("reason"),
                    "seq": record["seq"],
                    "ts": record["ts"],
                    "user": record.get("user"),
                }
            )
        else:
            denials.append(
                {
                    "dataset": p.get("dataset"),
                    "columns": [c.get("name") for c in p.get("columns", [])],
                    "reason": p.get("reason"),
                    "seq": record["seq"],
                    "ts": record["ts"],
                }
            )
    for grant in grants:
        loaded = datasets.get(grant["dataset"])
        if loaded is None:
            continue
        for column in loaded["flagged"]:
            if column["name"] in grant["columns"]:
                column["unmasked"] = True
    session = records[start] if records and records[start]["event"] == "session_start" else None
    return {
        "purpose": purpose,
        "datasets": list(datasets.values()),
        "grants": grants,
        "denials": denials,
        "minimisation": minimisation(records),  # over the notebook's whole history, not one session
        "ungoverned_reads": ungoverned,
        "session": (
            {
                "kernel_id": session.get("kernel_id"),
                "ts": session["ts"],
                "policy_default": session["payload"].get("policy_default"),
                "enforcement": session["payload"].get("enforcement"),
                "key_id": session["payload"].get("key_id"),
                "pid": session["payload"].get("pid"),
                "ended": ended,
            }
            if session
            else None
        ),
        "timeline": timeline(records),
        "records": len(records),
        "last_ts": records[-1]["ts"] if records else None,
    }
