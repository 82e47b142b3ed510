"""OpenLineage events from the simulated notebook's log.

The OpenLineage JSON schema (spec 2-0-2) is not shipped in any package available offline (openlineage-python
carries generated attrs classes, not the JSON files), so the events are checked (1) against the spec's
required structure written out below and (2) by constructing the openlineage-python client's RunEvent
classes from them, whose validators check eventTime, runId, producer and schemaURL.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pytest

from jupyter_privacy.ledger import SqliteLedgerStore
from jupyter_privacy.records.openlineage import notebook_events


def _events(flow: Any) -> list[dict[str, Any]]:
    with SqliteLedgerStore(flow.ledger, readonly=True) as store:
        return notebook_events(store, flow.notebook)


def _check_facets(facets: dict[str, Any]) -> None:
    for facet in facets.values():
        assert facet["_producer"].startswith("https://")
        assert facet["_schemaURL"].startswith("https://openlineage.io/spec/facets/")


def test_events_follow_the_run_event_structure(flow: Any) -> None:
    events = _events(flow)
    assert events[0]["eventType"] == "START" and events[-1]["eventType"] == "COMPLETE"
    parent = events[0]["run"]["runId"]
    for e in events:
        assert set(e) >= {
            "eventType",
            "eventTime",
            "run",
            "job",
            "producer",
            "schemaURL",
            "inputs",
            "outputs",
        }
        assert e["schemaURL"] == "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
        assert e["eventType"] in {"START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"}
        datetime.fromisoformat(e["eventTime"].replace("Z", "+00:00"))
        uuid.UUID(e["run"]["runId"])
        assert e["job"]["namespace"] and e["job"]["name"]
        _check_facets(e["run"]["facets"])
        _check_facets(e["job"]["facets"])
        for ds in e["inputs"] + e["outputs"]:
            assert ds["namespace"] and ds["name"]
            _check_facets(ds.get("facets", {}))
        if e["run"]["runId"] != parent:
            assert e["run"]["facets"]["parent"]["run"]["runId"] == parent


def test_pii_tags_schema_and_masked_column_lineage(flow: Any) -> None:
    events = _events(flow)
    loads = [e for e in events if e["eventType"] == "COMPLETE" and e["inputs"] and not e["outputs"]]
    customers = next(d for e in loads for d in e["inputs"] if d["name"].endswith("customers.csv"))
    tags = customers["facets"]["tags"]["tags"]
    assert {
        "key": "pii_entity",
        "value": "EMAIL_ADDRESS",
        "source": "jupyter-privacy",
        "field": "email",
    } in tags
    assert {"key": "masking", "value": "pseudonymise", "source": "jupyter-privacy", "field": "email"} in tags
    assert not [t for t in tags if t["field"] == "plan"]
    assert {f["name"] for f in customers["facets"]["schema"]["fields"]} >= {"email", "plan"}
    writes = next(e for e in events if e["eventType"] == "COMPLETE" and e["outputs"])
    scores = next(o for o in writes["outputs"] if o["name"].endswith("churn_scores.csv"))
    email = scores["facets"]["columnLineage"]["fields"]["email"]["inputFields"]
    assert {Path_name(i["name"]) for i in email} == {"customers.csv", "orders.parquet"}
    assert all(i["transformations"][0]["masking"] is True for i in email)
    model = next(o for o in writes["outputs"] if o["namespace"] == "jupyter-privacy-model")
    spend = model["facets"]["columnLineage"]["fields"]["monthly_spend"]["inputFields"]
    assert spend[0]["transformations"][0]["masking"] is False


def Path_name(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def test_events_build_openlineage_client_objects(flow: Any) -> None:
    ev2 = pytest.importorskip("openlineage.client.event_v2")
    for e in _events(flow):
        event = ev2.RunEvent(
            eventType=ev2.RunState[e["eventType"]],
            eventTime=e["eventTime"],
            run=ev2.Run(runId=e["run"]["runId"]),
            job=ev2.Job(namespace=e["job"]["namespace"], name=e["job"]["name"]),
            producer=e["producer"],
            inputs=[ev2.InputDataset(namespace=d["namespace"], name=d["name"]) for d in e["inputs"]],
            outputs=[ev2.OutputDataset(namespace=d["namespace"], name=d["name"]) for d in e["outputs"]],
        )
        assert event.schemaURL.startswith("https://openlineage.io/spec/2-0-")
