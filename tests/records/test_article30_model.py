"""The Art. 30 record against its typed model (records/article30_model.py), and the shipped JSON Schema
against the schema generated from that model: a field added to one and not the others fails here."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest
from pydantic import ValidationError

from jupyter_privacy.ledger import RECORD_FIELDS, SqliteLedgerStore
from jupyter_privacy.ledger.witness import WitnessFinding
from jupyter_privacy.records.article30 import build_record, load_schema
from jupyter_privacy.records.article30_model import LogRecord, record_json_schema, validate_record
from jupyter_privacy.records.dpo_filter import processed_by


@pytest.fixture(scope="module")
def record(flow: Any) -> dict[str, Any]:
    with SqliteLedgerStore(flow.ledger, readonly=True) as store:
        rec = build_record(store, flow.loaded, [flow.notebook])
    processed_by(rec)  # what `export` adds
    rec["verification"]["witness"] = [WitnessFinding(flow.notebook, "signed", 3, "matches").to_dict()]
    return rec


def test_the_kernel_export_with_its_log_appendix_fits_the_typed_model(record: dict[str, Any], flow: Any) -> None:
    with SqliteLedgerStore(flow.ledger, readonly=True) as store:
        appendix = [r.to_dict() for r in store.records(flow.notebook)]
    typed = validate_record({**record, "records": appendix})
    assert typed.records is not None and len(typed.records) == len(appendix)
    # the typed appendix record and the ledger's record have the same fields, in the same order
    assert tuple(LogRecord.model_fields) == RECORD_FIELDS


def test_the_simulated_notebook_record_fits_the_typed_model(record: dict[str, Any]) -> None:
    typed = validate_record(record)
    assert typed.evidence.models and typed.evidence.unmask and typed.evidence.outputs  # all parts filled
    assert typed.purposes[0].processed_by is not None
    assert typed.model_dump(by_alias=True, mode="json", exclude_unset=True) == record  # nothing dropped or renamed
    jsonschema.validate(record, load_schema())
    jsonschema.validate(record, record_json_schema())


@pytest.mark.parametrize(
    ("where", "change"),
    [
        ("top level", lambda r: r.update(surprise=1)),
        ("an unmask decision", lambda r: r["evidence"]["unmask"][0].update(raw_value="x")),
        ("a chain", lambda r: r["verification"]["chains"][0].update(ok="yes")),
        ("a model", lambda r: r["evidence"]["models"][0].pop("datasets")),
    ],
)
def test_a_field_the_model_does_not_know_is_refused(record: dict[str, Any], where: str, change: Any) -> None:
    changed = copy.deepcopy(record)
    change(changed)
    with pytest.raises(ValidationError):
        validate_record(changed)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(changed, record_json_schema())


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """Follow $ref and pick the object branch of anyOf (``X | None``)."""
    while True:
        if "$ref" in node:
            node = root["$defs"][node["$ref"].rsplit("/", 1)[1]]
        elif "anyOf" in node:
            node = next(b for b in node["anyOf"] if b.get("type") != "null")
        else:
            return node


def _compare(shipped: dict[str, Any], model: dict[str, Any], root: dict[str, Any], path: str) -> list[str]:
    """Where the shipped schema names a property or requirement the typed model does not have."""
    model = _resolve(model, root)
    problems = []
    props = model.get("properties", {})
    for name in shipped.get("properties", {}):
        if name not in props:
            problems.append(f"{path}.{name}: in the shipped schema, not in the typed model")
    for name in shipped.get("required", []):
        if name not in model.get("required", []):
            problems.append(f"{path}.{name}: required by the shipped schema, optional in the typed model")
    for name, sub in shipped.get("properties", {}).items():
        if name in props:
            problems += _compare(sub, props[name], root, f"{path}.{name}")
    if "items" in shipped and isinstance(shipped["items"], dict) and "items" in model:
        problems += _compare(shipped["items"], model["items"], root, f"{path}[]")
    return problems


def test_the_shipped_json_schema_agrees_with_the_typed_model() -> None:
    shipped, generated = load_schema(), record_json_schema()
    assert _compare(shipped, generated, generated, "record") == []
    assert set(shipped["properties"]) == set(generated["properties"])  # every top-level part documented
    assert set(shipped["required"]) <= set(generated["required"])
