"""Erasure look-up (GDPR Art. 17): which datasets, cells, output files and models held a person.

The look-up never needs raw identifiers to have been stored. Each ``dataset_loaded`` record carries the
SHA-256 of a Bloom filter of the keyed tokens of that load's direct identifiers (see
:mod:`.fingerprints`). To look someone up, their identifiers are turned into tokens with the masking key
(the DPO's command reads it from the policy's key source), the filters are probed, and the processing log
is walked from the loads that hit: the cells that loaded them, unmask grants on them, and the output files
and models whose ``datasets`` include them (lineage through joins is already in those payloads).

A Bloom filter has no false negatives (a load that held the token always answers yes) but has false
positives at the rate stated per filter; every answer states it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..ledger import LedgerStore, verify_chain
from ..mask.keys import MaskingKey
from ..mask.normalise import PHONE, is_international, normalise_one
from ..mask.tokens import token_for
from .fingerprints import SCHEME, SCHEME_EXACT, FingerprintStore, item_hashes, token_digests, value_items

SUBJECT_KEYS: dict[str, list[str]] = {
    "email": ["EMAIL_ADDRESS"],
    "phone": ["PHONE_NUMBER"],
    "name": ["PERSON"],
    "address": ["STREET_ADDRESS"],
    "bsn": ["NL_BSN"],
    "ssn": ["US_SSN"],
    "nino": ["UK_NINO"],
    "nhs": ["UK_NHS"],
    "nir": ["FR_NIR"],
    "pesel": ["PL_PESEL"],
    "nif": ["ES_NIF"],
    "steuer_id": ["DE_TAX_ID"],
    "codice_fiscale": ["IT_FISCAL_CODE"],
    "national_id": ["NATIONAL_ID", "NL_BSN", "US_SSN", "UK_NINO", "FR_NIR", "PL_PESEL", "ES_NIF"],
    "iban": ["IBAN_CODE"],
    "card": ["CREDIT_CARD"],
    "ip": ["IP_ADDRESS"],
    "mac": ["MAC_ADDRESS"],
    "employee_id": ["EMPLOYEE_ID"],
    "patient_id": ["PATIENT_ID"],
}
"""``--subject KEY=VALUE`` keys and the entity types they are looked up as. Any entity name in capitals
(e.g. ``EMPLOYEE_ID=EMP-000123``) is accepted as a key too."""

_ENTITY_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")


class SubjectError(ValueError):
    """A ``KEY=VALUE`` subject identifier that cannot be used."""


@dataclass(frozen=True)
class Subject:
    key: str
    value: str
    entities: tuple[str, ...]


def parse_subject(text: str) -> Subject:
    """``email=alice@example.com`` -> Subject; raises :class:`SubjectError` with the accepted keys."""
    if "=" not in text:
        raise SubjectError(f"subject {text!r} is not KEY=VALUE (e.g. email=alice@example.com)")
    key, value = text.split("=", 1)
    key, value = key.strip(), value.strip()
    if not value:
        raise SubjectError(f"subject {text!r} has an empty value")
    if key.lower() in SUBJECT_KEYS:
        return Subject(key.lower(), value, tuple(SUBJECT_KEYS[key.lower()]))
    if _ENTITY_RE.match(key):
        return Subject(key, value, (key,))
    raise SubjectError(
        f"unknown subject key {key!r}; use one of {', '.join(SUBJECT_KEYS)} or an entity type in capitals "
        "such as EMPLOYEE_ID"
    )


ANY_REGION = "*"

LIMITS = [
    "identifiers are compared after normalisation (phone numbers as E.164, national ids and codes without "
    "separators, names by case and spacing, e-mail addresses by case); other spellings, typos, nicknames "
    "or old addresses do not match: look up every identifier you have for the person",
    "only direct-identifier columns of governed loads are fingerprinted: free text, columns not detected "
    "as direct identifiers, data read around the extension and loads listed as not searchable are not "
    "covered",
    "loads fingerprinted before normalisation (scheme jp-bloom-v1) match only values as they were stored",
]
"""What a look-up cannot see: shown with every answer so that NO MATCH is not read as final."""


def _probes(subjects: list[Subject], key: MaskingKey, regions: set[str | None]) -> list[dict[str, Any]]:
    """Every (subject, entity, scheme, item) to probe. Names also probe their parts (first/last name
    columns). Filters of scheme v1 hold values keyed as loaded; v2 filters hold normalised values, phone
    numbers in national form once per region the loaded phone columns were in (``regions``)."""
    probes: list[dict[str, Any]] = []

    def add(i: int, entity: str, scheme: str, region: str | None, part: str | None, item: Any) -> None:
        probes.append(
            {"subject": i, "entity": entity, "scheme": scheme, "region": region, "part": part, "item": item}
        )

    for i, s in enumerate(subjects):
        for entity in s.entities:
            exact = [(None, s.value)] + (
                [(part, part) for part in s.value.split()] if _is_name(entity, s.value) else []
            )
            for part, text in exact:
                add(i, entity, SCHEME_EXACT, ANY_REGION, part, _exact_item(text, key, entity))
            national = entity == PHONE and not is_international(s.value)
            for region in sorted(regions, key=str) if national else [ANY_REGION]:
                canonical = normalise_one(s.value, entity, None if region == ANY_REGION else region)
                parts = canonical.split() if _is_name(entity, canonical) else []
                for part, text in [(None, canonical), *((p, p) for p in parts)]:
                    add(i, entity, SCHEME, region, part, value_items([text], entity, key)[0])
    return probes


def _is_name(entity: str, value: str) -> bool:
    return entity == "PERSON" and len(value.split()) > 1


def _exact_item(value: str, key: MaskingKey, entity: str) -> Any:
    return item_hashes(token_digests([token_for(value, key, entity)], entity), entity)[0]


def _phone_regions(fp: dict[str, Any]) -> set[str | None]:
    """The regions the phone columns of a load were normalised in (None: digits only)."""
    return {c.get("region") for c in fp.get("columns") or [] if c.get("entity") == PHONE}


def erasure_lookup(
    store: LedgerStore,
    fingerprints: FingerprintStore | None,
    key: MaskingKey,
    subjects: list[Subject],
    *,
    notebooks: list[str] | None = None,
    verify_hits: bool = True,
) -> dict[str, Any]:
    """Where the identified person's data went. See the module docstring; result documented in dpo-guide."""
    names = notebooks if notebooks is not None else store.notebooks()
    logged = {nb: list(store.records(nb)) for nb in names}
    regions: set[str | None] = set()
    for records in logged.values():
        for r in records:
            fp = r.payload.get("fingerprints") if r.event == "dataset_loaded" else None
            if isinstance(fp, dict):
                regions |= _phone_regions(fp)
    probes = _probes(subjects, key, regions)
    items = np.array([p["item"] for p in probes], dtype=np.uint64)
    answers = fingerprints.lookup(items) if fingerprints is not None else {}

    def matched(fp: dict[str, Any]) -> list[dict[str, Any]]:
        """Which subject identifiers a load's filter answers yes for (full value, or every part of a name)."""
        bits = answers.get(fp["sha256"])
        if bits is None:
            return []
        scheme = fp.get("scheme", SCHEME_EXACT)
        allowed = _phone_regions(fp) | {ANY_REGION}
        usable = [j for j, p in enumerate(probes) if p["scheme"] == scheme and p["region"] in allowed]
        out = []
        for i, s in enumerate(subjects):
            for entity in s.entities:
                mine = [j for j in usable if probes[j]["subject"] == i and probes[j]["entity"] == entity]
                full = [j for j in mine if probes[j]["part"] is None]
                by_region: dict[Any, list[int]] = {}
                for j in mine:
                    if probes[j]["part"] is not None:
                        by_region.setdefault(probes[j]["region"], []).append(j)
                if any(bits[j] for j in full):
                    out.append({"subject": f"{s.key}", "entity": entity, "match": "value"})
                elif any(parts and all(bits[j] for j in parts) for parts in by_region.values()):
                    out.append({"subject": f"{s.key}", "entity": entity, "match": "name parts"})
        return out

    hit_ids: set[str] = set()
    datasets: list[dict[str, Any]] = []
    unsearchable: list[dict[str, Any]] = []
    cells: list[dict[str, Any]] = []
    unmasks: list[dict[str, Any]] = []
    outputs: list[dict[str, Any]] = []
    models: list[dict[str, Any]] = []
    chains: list[dict[str, Any]] = []
    fp_rates: list[float] = []
    searched = 0
    for nb, records in logged.items():
        report = verify_chain(store, nb)
        chains.append(
            {"notebook": nb, "ok": report.ok, "problem": report.problem.message if report.problem else None}
        )
        for r in records:
            p = r.payload
            cell = _cell(nb, r)
            if r.event == "dataset_loaded":
                fp = p.get("fingerprints")
                kid = (p.get("masking") or {}).get("key_id")
                base = {"dataset": p.get("dataset"), "source": p.get("source"), **cell}
                if not isinstance(fp, dict) or "sha256" not in fp:
                    why = fp.get("error") if isinstance(fp, dict) else None
                    has_direct = any(f.get("category") == "direct" for f in p.get("findings") or [])
                    if has_direct:
                        unsearchable.append(
                            {**base, "reason": why or "no fingerprints recorded for this load"}
                        )
                    continue
                if kid and kid != key.key_id:
                    unsearchable.append(
                        {**base, "reason": f"masked under another key ({kid}, not {key.key_id})"}
                    )
                    continue
                if fp["sha256"] not in answers:
                    unsearchable.append(
                        {**base, "reason": "its fingerprint filter is missing from the sidecar store"}
                    )
                    continue
                searched += 1
                fp_rates.append(float(fp.get("fp_rate", 0.0)))
                m = matched(fp)
                if m:
                    entry = {
                        **base,
                        "content_sha256": p.get("content_sha256"),
                        "shape": p.get("shape"),
                        "matched": m,
                        "columns": fp.get("columns", []),
                        "fp_rate": fp.get("fp_rate"),
                        "filter_sha256": fp["sha256"],
                    }
                    if verify_hits and fingerprints is not None:
                        bloom = fingerprints.get(fp["sha256"])
                        entry["filter_verified"] = bloom is not None and bloom.sha256 == fp["sha256"]
                    datasets.append(entry)
                    cells.append({**cell, "event": "dataset_loaded", "dataset": p.get("dataset")})
                    hit_ids.add(str(p.get("dataset")))
        for r in records:
            p = r.payload
            cell = _cell(nb, r)
            if r.event in ("unmask_granted", "unmask_denied") and p.get("dataset") in hit_ids:
                unmasks.append(
                    {
                        **cell,
                        "event": r.event,
                        "dataset": p.get("dataset"),
                        "columns": [c.get("name") for c in p.get("columns", [])],
                        "purpose": p.get("purpose"),
                    }
                )
                cells.append({**cell, "event": r.event, "dataset": p.get("dataset")})
            via = (
                sorted(set(p.get("datasets") or []) & hit_ids)
                if r.event in ("output_written", "model_trained", "model_logged", "model_registered")
                else []
            )
            if via and r.event == "output_written":
                outputs.append(
                    {
                        **cell,
                        "path": p.get("path"),
                        "sha256": p.get("sha256"),
                        "kind": p.get("kind"),
                        "datasets": via,
                    }
                )
                cells.append({**cell, "event": r.event, "datasets": via})
            elif via:
                models.append(
                    {
                        **cell,
                        "event": r.event,
                        "model_class": p.get("model_class"),
                        "variable": p.get("variable"),
                        "datasets": via,
                        "rows": p.get("rows"),
                        **_mlflow_fields(p),
                    }
                )
                cells.append({**cell, "event": r.event, "datasets": via})
    worst = max(fp_rates, default=0.0)
    expected = float(sum(fp_rates))
    return {
        "subjects": [{"key": s.key, "entities": list(s.entities)} for s in subjects],
        "key_id": key.key_id,
        "found": bool(datasets),
        "datasets": datasets,
        "cells": cells,
        "unmask": unmasks,
        "outputs": outputs,
        "models": models,
        "searched_loads": searched,
        "unsearchable_loads": unsearchable,
        "false_positive": {
            "per_load_max": worst,
            "expected_false_hits": expected,
            "statement": (
                f"each dataset hit is a false positive with probability at most {worst:.2g} per identifier; "
                f"over the {searched} searched loads about {expected:.2g} false hits are expected for a person "
                "who is in none of them. A value is missed only when it was stored in a form that does not "
                "normalise to the one looked up (see `limits`)."
            ),
        },
        "log": chains,
        "limits": LIMITS,
    }


def _mlflow_fields(payload: dict[str, Any]) -> dict[str, Any]:
    """Where an MLflow model (logged or registered) of the person's data lives."""
    keys = ("model_uri", "run_id", "registered_name", "version")
    return {k: payload.get(k) for k in keys if k in payload}


def render_text(result: dict[str, Any]) -> str:
    """The look-up result for people."""
    lines: list[str] = []
    subjects = ", ".join(f"{s['key']} ({'/'.join(s['entities'])})" for s in result["subjects"])
    broken = [c for c in result["log"] if not c["ok"]]
    if broken:
        lines.append("WARNING: THE PROCESSING LOG FAILED VERIFICATION; the answer below may be incomplete:")
        lines += [f"  {c['notebook']}: {c['problem']}" for c in broken]
    lines.append(
        f"Erasure look-up for {subjects} (key {result['key_id']}); {result['searched_loads']} loads searched"
    )
    if not result["found"]:
        lines.append(
            f"NO MATCH in the {result['searched_loads']} searched dataset loads for these identifiers. "
            "This is not proof that the person's data is absent:"
        )
    else:
        lines.append("POSSIBLE MATCHES (confirm each against the data before acting on it):")
    for d in result["datasets"]:
        how = ", ".join(f"{m['entity']} ({m['match']})" for m in d["matched"])
        lines.append(
            f"DATASET {d['dataset']} {d['source']} loaded in {d['notebook']} cell {d['cell_id']} "
            f"[{d['execution_count']}] at {d['ts']}: {how} (false-positive rate {d['fp_rate']:.2g})"
        )
    for u in result["unmask"]:
        lines.append(
            f"UNMASK  {u['event']} {u['dataset']} columns {', '.join(map(str, u['columns']))} "
            f"purpose {u['purpose']} in {u['notebook']} [{u['execution_count']}] by {u.get('user') or 'unknown'}"
        )
    for o in result["outputs"]:
        lines.append(f"OUTPUT  {o['path']} (sha256 {str(o['sha256'])[:16]}) from {', '.join(o['datasets'])}")
    for m in result["models"]:
        if m.get("event") in ("model_logged", "model_registered"):
            name = f" registered as {m['registered_name']} version {m['version']}" if m.get("version") else ""
            lines.append(
                f"MLFLOW  {m.get('model_uri')} (run {m.get('run_id')}){name} from {', '.join(m['datasets'])}"
            )
            continue
        lines.append(
            f"MODEL   {m['model_class']} ({m['variable']}) in {m['notebook']} [{m['execution_count']}] "
            f"trained on {', '.join(m['datasets'])}"
        )
    for u in result["unsearchable_loads"]:
        lines.append(f"NOT SEARCHABLE {u['dataset']} {u['source']} in {u['notebook']}: {u['reason']}")
    lines.append(result["false_positive"]["statement"])
    lines += [f"  - {limit}" for limit in result["limits"]]
    return "\n".join(lines) + "\n"


def _cell(notebook: str, r: Any) -> dict[str, Any]:
    """Where a log record was written: notebook, cell, execution count, code hash, position, time, user."""
    return {
        "notebook": notebook,
        "cell_id": r.cell_id,
        "execution_count": r.execution_count,
        "code_sha256": r.code_sha256,
        "seq": r.seq,
        "ts": r.ts,
        "user": r.user,
    }
