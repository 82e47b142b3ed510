"""OpenLineage run events (spec 2-0-2) from a notebook's processing log.

One parent run for the notebook (START at its first record, COMPLETE at its last) and, per cell that
loaded data, wrote files or trained models, a child run (START + COMPLETE) with:

- inputs: the datasets loaded (namespace ``file`` or ``sql``), with a ``schema`` facet (column names and
  dtypes) and a ``tags`` facet marking personal-data columns (``pii``, ``pii_category``, ``pii_entity``);
- outputs: files written and trained models (namespace ``jupyter-privacy-model`` for models), with a
  ``columnLineage`` facet: each output column maps to the input column of the same name, and the
  transformation carries ``masking: true`` when that column was pseudonymised/redacted/generalised.

Events are plain JSON dicts; :mod:`.openlineage_client` sends them through the openlineage-python client
and its transports (file, http, or whatever ``openlineage.yml``/``OPENLINEAGE_URL`` configure).
Nothing is written to the processing log.
"""

from __future__ import annotations

import uuid
from typing import Any

from .. import __version__
from ..ledger import LedgerRecord, LedgerStore
from ..ledger.identity import written_by

PRODUCER = f"https://github.com/jupyter-privacy/jupyter-privacy/tree/v{__version__}"
SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
FACETS = "https://openlineage.io/spec/facets"
SCHEMA_FACET = f"{FACETS}/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet"
TAGS_FACET = f"{FACETS}/1-0-0/TagsDatasetFacet.json#/$defs/TagsDatasetFacet"
COLUMN_LINEAGE_FACET = f"{FACETS}/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet"
PARENT_FACET = f"{FACETS}/1-1-0/ParentRunFacet.json#/$defs/ParentRunFacet"
JOB_TYPE_FACET = f"{FACETS}/2-0-3/JobTypeJobFacet.json#/$defs/JobTypeJobFacet"
DEFAULT_NAMESPACE = "jupyter-privacy"
_NS_UUID = uuid.UUID("6f1e3a52-8c0b-4c55-9d55-0b7a4e6c2f10")


def _ts(ts: str) -> str:
    return ts  # ledger timestamps are ISO 8601 UTC with microseconds and a Z: valid date-time


def _run_id(*parts: str) -> str:
    """A stable run id (UUID v5) so exporting twice yields the same ids."""
    return str(uuid.uuid5(_NS_UUID, "\x1f".join(parts)))


def _facet(url: str, **fields: Any) -> dict[str, Any]:
    return {"_producer": PRODUCER, "_schemaURL": url, **fields}


def _dataset_ref(source: str) -> tuple[str, str]:
    if source.startswith("sql:"):
        return "sql", source[4:]
    return "file", source


def _input_dataset(p: dict[str, Any]) -> dict[str, Any]:
    ns, name = _dataset_ref(str(p.get("source")))
    findings = p.get("findings") or []
    masked = {c.get("column"): c for c in (p.get("masking") or {}).get("columns", [])}
    tags: list[dict[str, Any]] = []
    for f in findings:
        if f.get("category") in (None, "none"):
            continue
        col = str(f.get("name"))
        tags.append({"key": "pii", "value": "true", "source": "jupyter-privacy", "field": col})
        tags.append(
            {
                "key": "pii_category",
                "value": str(f.get("category")),
                "source": "jupyter-privacy",
                "field": col,
            }
        )
        for e in f.get("entities") or []:
            tags.append({"key": "pii_entity", "value": str(e), "source": "jupyter-privacy", "field": col})
        m = masked.get(col)
        if m is not None:
            tags.append(
                {"key": "masking", "value": str(m.get("strategy")), "source": "jupyter-privacy", "field": col}
            )
    return {
        "namespace": ns,
        "name": name,
        "facets": {
            "schema": _facet(
                SCHEMA_FACET,
                fields=[{"name": str(f.get("name")), "type": str(f.get("dtype"))} for f in findings],
            ),
            "tags": _facet(TAGS_FACET, tags=tags),
        },
    }


def _masked_columns(loads: dict[str, dict[str, Any]], ds: str) -> set[str]:
    p = loads.get(ds) or {}
    return {
        str(c.get("column"))
        for c in (p.get("masking") or {}).get("columns", [])
        if c.get("strategy") not in (None, "keep")
    }


def _column_lineage(
    columns: list[str] | None, datasets: list[str], loads: dict[str, dict[str, Any]]
) -> dict[str, Any] | None:
    if not columns:
        return None
    fields: dict[str, Any] = {}
    for col in columns:
        inputs = []
        for ds in datasets:
            p = loads.get(ds)
            if p is None:
                continue
            names = {str(f.get("name")) for f in p.get("findings") or []}
            if col not in names:
                continue
            ns, name = _dataset_ref(str(p.get("source")))
            masking = col in _masked_columns(loads, ds)
            inputs.append(
                {
                    "namespace": ns,
                    "name": name,
                    "field": col,
                    "transformations": [
                        {
                            "type": "DIRECT",
                            "subtype": "IDENTITY" if not masking else "TRANSFORMATION",
                            "description": "pseudonymised/masked on load by jupyter-privacy"
                            if masking
                            else "",
                            "masking": masking,
                        }
                    ],
                }
            )
        if inputs:
            fields[col] = {"inputFields": inputs}
    if not fields:
        return None
    return _facet(COLUMN_LINEAGE_FACET, fields=fields)


def _output_dataset(r: LedgerRecord, loads: dict[str, dict[str, Any]]) -> dict[str, Any]:
    p = r.payload
    datasets = [str(d) for d in p.get("datasets") or []]
    if r.event == "model_trained":
        out: dict[str, Any] = {
            "namespace": "jupyter-privacy-model",
            "name": f"{r.notebook}#{p.get('variable') or p.get('model_class')}@{r.seq}",
            "facets": {
                "schema": _facet(SCHEMA_FACET, fields=[{"name": str(c)} for c in p.get("columns") or []]),
            },
        }
        lineage = _column_lineage([str(c) for c in p.get("columns") or []], datasets, loads)
    else:
        out = {"namespace": "file", "name": str(p.get("path")), "facets": {}}
        cols = p.get("columns")
        if cols:
            out["facets"]["schema"] = _facet(SCHEMA_FACET, fields=[{"name": str(c)} for c in cols])
        lineage = _column_lineage([str(c) for c in cols] if cols else None, datasets, loads)
    if lineage is not None:
        out["facets"]["columnLineage"] = lineage
    return out


def _event(
    event_type: str,
    ts: str,
    run_id: str,
    job: str,
    namespace: str,
    *,
    parent: tuple[str, str] | None = None,
    inputs: list[dict[str, Any]] | None = None,
    outputs: list[dict[str, Any]] | None = None,
    job_type: str = "TASK",
) -> dict[str, Any]:
    run: dict[str, Any] = {"runId": run_id, "facets": {}}
    if parent is not None:
        run["facets"]["parent"] = _facet(
            PARENT_FACET, run={"runId": parent[0]}, job={"namespace": namespace, "name": parent[1]}
        )
    return {
        "eventType": event_type,
        "eventTime": _ts(ts),
        "run": run,
        "job": {
            "namespace": namespace,
            "name": job,
            "facets": {
                "jobType": _facet(
                    JOB_TYPE_FACET, processingType="BATCH", integration="JUPYTER_PRIVACY", jobType=job_type
                )
            },
        },
        "inputs": inputs or [],
        "outputs": outputs or [],
        "producer": PRODUCER,
        "schemaURL": SCHEMA_URL,
    }


def chain_events(
    store: LedgerStore, notebook: str, *, namespace: str = DEFAULT_NAMESPACE
) -> list[dict[str, Any]]:
    """The run events of every user's notebook on one chain, each user's as their kernel sends them live
    (in a team log two users' notebooks of the same path share a chain; each is its own notebook run)."""
    users = sorted({r.user for r in store.records(notebook) if r.user is not None})
    if not users:  # format-1 records only: no user to tell apart
        return notebook_events(store, notebook, namespace=namespace)
    return [e for user in users for e in notebook_events(store, notebook, namespace=namespace, user=user)]


def notebook_events(
    store: LedgerStore, notebook: str, *, namespace: str = DEFAULT_NAMESPACE, user: str | None = None
) -> list[dict[str, Any]]:
    """The OpenLineage run events of one notebook's log, in time order; only ``user``'s when given (a
    team log's chain can hold other users' notebooks of the same path)."""
    records = [r for r in store.records(notebook) if user is None or written_by(r, user)]
    if not records:
        return []
    job = notebook
    parent_id = _run_id(notebook, records[0].hash)
    events = [_event("START", records[0].ts, parent_id, job, namespace, job_type="NOTEBOOK")]
    loads: dict[str, dict[str, Any]] = {}
    cells: dict[tuple[Any, Any, Any], list[LedgerRecord]] = {}
    for r in records:
        if r.event == "dataset_loaded":
            loads[str(r.payload.get("dataset"))] = r.payload
        if r.event in ("dataset_loaded", "output_written", "model_trained"):
            # per kernel too: two kernels (two users' copies of one notebook) share cell ids and counts
            cells.setdefault((r.cell_id, r.execution_count, r.kernel_id), []).append(r)
    for (cell_id, count, _kernel), recs in cells.items():
        name = f"{job}.cell.{cell_id or 'unknown'}"
        run_id = _run_id(notebook, str(cell_id), str(count), recs[0].hash)
        inputs: list[dict[str, Any]] = []
        used: set[str] = set()
        for r in recs:
            ids = (
                [str(r.payload.get("dataset"))]
                if r.event == "dataset_loaded"
                else [str(d) for d in r.payload.get("datasets") or []]
            )
            for ds in ids:
                if ds in loads and ds not in used:
                    used.add(ds)
                    inputs.append(_input_dataset(loads[ds]))
        outputs = [_output_dataset(r, loads) for r in recs if r.event in ("output_written", "model_trained")]
        parent = (parent_id, job)
        events.append(_event("START", recs[0].ts, run_id, name, namespace, parent=parent, inputs=inputs))
        events.append(
            _event(
                "COMPLETE",
                recs[-1].ts,
                run_id,
                name,
                namespace,
                parent=parent,
                inputs=inputs,
                outputs=outputs,
            )
        )
    events.append(_event("COMPLETE", records[-1].ts, parent_id, job, namespace, job_type="NOTEBOOK"))
    return events
