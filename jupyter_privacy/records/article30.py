"""The Article 30 record of processing activities, built from what actually ran (the processing log).

:func:`build_record` reads the log of one or more notebooks, verifies every chain, and combines it with the
policy (controller, DPO, purposes, retention) into a dict that follows
``jupyter_privacy/records/schema/article30.schema.json``. :func:`render` turns it into JSON, CSV or a
self-contained, printable HTML document. Building a record never writes anything; the kernel's
``%privacy_export`` logs a ``record_exported`` event itself, the CLI export stays read-only.

W3C DPV terms (https://w3id.org/dpv#, personal data categories https://w3id.org/dpv/pd#) are given next to
our own names for legal bases and personal data categories, where a term exists.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timezone
from importlib import resources
from typing import Any

from .. import __version__
from ..ledger import LedgerStore, verify_chain
from ..policy import LoadedPolicy

SCHEMA_ID = "https://github.com/jupyter-privacy/jupyter-privacy/schema/article30/v1.json"
SCHEMA_VERSION = 1

DPV_CONTEXT = {"dpv": "https://w3id.org/dpv#", "pd": "https://w3id.org/dpv/pd#"}

LAWFUL_BASES: dict[str, tuple[str, str]] = {
    "consent": ("dpv:Consent", "GDPR Art. 6(1)(a)"),
    "contract": ("dpv:Contract", "GDPR Art. 6(1)(b)"),
    "legal_obligation": ("dpv:LegalObligation", "GDPR Art. 6(1)(c)"),
    "vital_interests": ("dpv:VitalInterest", "GDPR Art. 6(1)(d)"),
    "public_task": ("dpv:PublicTask", "GDPR Art. 6(1)(e)"),
    "legitimate_interest": ("dpv:LegitimateInterest", "GDPR Art. 6(1)(f)"),
}
"""Our lawful-basis names -> (DPV legal basis, GDPR article)."""

ART9_CONDITIONS: dict[str, str] = {
    "explicit_consent": "GDPR Art. 9(2)(a)",
    "employment_social_security": "GDPR Art. 9(2)(b)",
    "vital_interests": "GDPR Art. 9(2)(c)",
    "not_for_profit_body": "GDPR Art. 9(2)(d)",
    "made_public_by_subject": "GDPR Art. 9(2)(e)",
    "legal_claims": "GDPR Art. 9(2)(f)",
    "substantial_public_interest": "GDPR Art. 9(2)(g)",
    "health_or_social_care": "GDPR Art. 9(2)(h)",
    "public_health": "GDPR Art. 9(2)(i)",
    "archiving_research_statistics": "GDPR Art. 9(2)(j)",
}

PD_TERMS: dict[str, str] = {
    "EMAIL_ADDRESS": "pd:EmailAddress",
    "PHONE_NUMBER": "pd:TelephoneNumber",
    "PERSON": "pd:Name",
    "STREET_ADDRESS": "pd:PhysicalAddress",
    "CITY": "pd:Location",
    "POSTCODE": "pd:PostalCode",
    "UK_POSTCODE": "pd:PostalCode",
    "DATE_OF_BIRTH": "pd:BirthDate",
    "AGE": "pd:Age",
    "GENDER": "pd:Gender",
    "GEO_COORDINATE": "pd:Location",
    "IP_ADDRESS": "pd:IPAddress",
    "MAC_ADDRESS": "pd:MACAddress",
    "CREDIT_CARD": "pd:CreditCardNumber",
    "IBAN_CODE": "pd:BankAccount",
    "NATIONAL_ID": "pd:NationalIdentificationNumber",
    "NL_BSN": "pd:NationalIdentificationNumber",
    "US_SSN": "pd:NationalIdentificationNumber",
    "UK_NINO": "pd:NationalIdentificationNumber",
    "FR_NIR": "pd:NationalIdentificationNumber",
    "PL_PESEL": "pd:NationalIdentificationNumber",
    "ES_NIF": "pd:NationalIdentificationNumber",
    "IT_FISCAL_CODE": "pd:NationalIdentificationNumber",
    "DE_TAX_ID": "pd:TaxIdentificationNumber",
    "UK_NHS": "pd:HealthRecord",
    "HEALTH": "pd:Health",
    "PATIENT_ID": "pd:HealthRecord",
    "RELIGION": "pd:Religion",
    "ETHNICITY": "pd:EthnicOrigin",
    "SEXUAL_ORIENTATION": "pd:SexualOrientation",
    "POLITICAL_OPINION": "pd:PoliticalOpinion",
    "TRADE_UNION": "pd:TradeUnionMembership",
    "BIOMETRIC": "pd:Biometric",
    "GENETIC": "pd:Genetic",
}
"""Entity types -> DPV-PD personal data categories (see docs/dpo-guide.md for the uncertain ones)."""

CSV_COLUMNS = ("section", "item", "field", "value")

PROCESSING_EVENTS = frozenset(
    {
        "purpose_declared",
        "dataset_loaded",
        "unmask_granted",
        "unmask_denied",
        "output_written",
        "ungoverned_read",
        "model_trained",
    }
)
"""Events that are processing of personal data (session starts and exports alone are not)."""

NOTHING_RECORDED = (
    "NO PROCESSING RECORDED: the processing log holds no dataset loads, purposes, unmask decisions, outputs "
    "or models for these notebooks, so this record documents nothing. Check the notebook name (was it "
    "renamed or moved?) and the log location."
)


def load_schema() -> dict[str, Any]:
    """The JSON Schema every JSON record follows (shipped in the package)."""
    text = (
        resources.files("jupyter_privacy.records").joinpath("schema/article30.schema.json").read_text("utf-8")
    )
    data: dict[str, Any] = json.loads(text)
    return data


def _party(p: Any) -> dict[str, Any] | None:
    if p is None:
        return None
    return {"name": p.name, "contact": p.contact, "address": p.address, "representative": p.representative}


def _cell(r: Any) -> dict[str, Any]:
    return {
        "notebook": r.notebook,
        "seq": r.seq,
        "ts": r.ts,
        "cell_id": r.cell_id,
        "execution_count": r.execution_count,
        "code_sha256": r.code_sha256,
        "user": r.user,
        "server": r.server,
    }


def build_record(
    store: LedgerStore,
    loaded_policy: LoadedPolicy,
    notebooks: list[str],
    belongs: Callable[[str, Any], bool] | None = None,
) -> dict[str, Any]:
    """The Art. 30 record of ``notebooks`` (chain ids) from ``store`` (read only) and the policy in effect.

    ``belongs(chain, record)`` keeps only some records of a chain (a chain can hold records of a notebook
    renamed since and of a newer notebook under the old name: :mod:`.aliases`); every chain is verified whole.
    """
    policy = loaded_policy.policy
    chains: list[dict[str, Any]] = []
    declared: dict[str, dict[str, Any]] = {}
    datasets: list[dict[str, Any]] = []
    cells: dict[tuple[str, str | None, str | None, int | None, str | None], dict[str, Any]] = {}
    unmask: list[dict[str, Any]] = []
    outputs: list[dict[str, Any]] = []
    models: list[dict[str, Any]] = []
    exports: list[dict[str, Any]] = []
    ungoverned: list[dict[str, Any]] = []
    policy_hashes: set[str] = set()
    categories: dict[str, dict[str, Any]] = {}
    special: dict[str, dict[str, Any]] = {}
    measures: list[dict[str, Any]] = []
    corrections: list[dict[str, Any]] = []
    key_ids: set[str] = set()
    fingerprinted = 0
    processing = 0

    for nb in notebooks:
        report = verify_chain(store, nb)
        problem = report.problem
        chains.append(
            {
                "notebook": nb,
                "ok": report.ok,
                "records_checked": report.records_checked,
                "head_seq": report.head_seq,
                "head_hash": report.head_hash,
                "problem": {"kind": problem.kind, "seq": problem.seq, "message": problem.message}
                if problem
                else None,
            }
        )
        try:
            records = list(store.records(nb))
        except Exception as exc:  # a damaged row: the verification above already says BROKEN
            chains[-1]["problem"] = chains[-1]["problem"] or {
                "kind": "unreadable",
                "seq": None,
                "message": str(exc),
            }
            chains[-1]["ok"] = False
            records = []
        if belongs is not None:
            records = [r for r in records if belongs(nb, r)]
        chains[-1]["records_included"] = len(records)  # fewer when the chain holds others' records too
        processing += sum(r.event in PROCESSING_EVENTS for r in records)
        for r in records:
            policy_hashes.add(r.policy_sha256)
            p = r.payload
            where = _cell(r)
            ckey = (nb, r.user, r.cell_id, r.execution_count, r.code_sha256)  # two users' copies differ
            if r.cell_id is not None or r.execution_count is not None:
                entry = cells.setdefault(
                    ckey,
                    {k: where[k] for k in ("notebook", "user", "cell_id", "execution_count", "code_sha256")}
                    | {"events": []},
                )
                entry["events"].append({"seq": r.seq, "event": r.event})
            if r.event == "session_start" and p.get("key_id"):
                key_ids.add(str(p["key_id"]))
            elif r.event == "purpose_declared":
                pid = str(p.get("purpose"))
                d = declared.setdefault(pid, {"declarations": []})
                d["declarations"].append(
                    {
                        **where,
                        "lawful_basis": p.get("lawful_basis"),
                        "reference": p.get("reference"),
                        "art9_condition": p.get("art9_condition"),
                    }
                )
            elif r.event == "dataset_loaded":
                ds_id = str(p.get("dataset"))
                masking = p.get("masking") or {}
                if masking.get("key_id"):
                    key_ids.add(str(masking["key_id"]))
                fp = p.get("fingerprints")
                if isinstance(fp, dict) and "sha256" in fp:
                    fingerprinted += 1
                datasets.append(
                    {
                        "dataset": ds_id,
                        "source": p.get("source"),
                        "content_sha256": p.get("content_sha256"),
                        "shape": p.get("shape"),
                        "variable": p.get("variable"),
                        "loaded_at": r.ts,
                        "cell": where,
                        "personal_data_columns": [
                            {
                                "column": f.get("name"),
                                "category": f.get("category"),
                                "entities": f.get("entities", []),
                            }
                            for f in p.get("findings", [])
                            if f.get("category") not in (None, "none")
                        ],
                        "fingerprint_sha256": fp.get("sha256") if isinstance(fp, dict) else None,
                        "record_hash": r.hash,
                    }
                )
                for f in p.get("findings", []):
                    cat = f.get("category")
                    if cat in (None, "none"):
                        continue
                    for entity in f.get("entities") or [str(cat).upper()]:
                        c = categories.setdefault(
                            entity,
                            {
                                "entity": entity,
                                "category": cat,
                                "dpv": PD_TERMS.get(entity),
                                "datasets": [],
                                "columns": [],
                            },
                        )
                        if ds_id not in c["datasets"]:
                            c["datasets"].append(ds_id)
                        col = f"{ds_id}:{f.get('name')}"
                        if col not in c["columns"]:
                            c["columns"].append(col)
                    if cat == "special":
                        sc = str(f.get("special_category") or (f.get("entities") or ["SPECIAL"])[0])
                        s = special.setdefault(
                            sc, {"category": sc, "dpv": PD_TERMS.get(sc), "datasets": [], "columns": []}
                        )
                        if ds_id not in s["datasets"]:
                            s["datasets"].append(ds_id)
                        if col not in s["columns"]:
                            s["columns"].append(col)
                for col in masking.get("columns", []):
                    measure = {
                        "dataset": ds_id,
                        "column": col.get("column"),
                        "category": col.get("category"),
                        "entities": col.get("entities", []),
                        "strategy": col.get("strategy"),
                        "detail": col.get("detail"),
                    }
                    if measure not in measures:  # the same file loaded again is masked the same way
                        measures.append(measure)
            elif r.event in ("unmask_granted", "unmask_denied"):
                unmask.append(
                    {
                        **where,
                        "decision": "granted" if r.event == "unmask_granted" else "denied",
                        "dataset": p.get("dataset"),
                        "columns": [c.get("name") for c in p.get("columns", [])],
                        "purpose": p.get("purpose"),
                        "lawful_basis": p.get("lawful_basis"),
                        "reference": p.get("reference"),
                        "art9_condition": p.get("art9_condition"),
                        "enforcement": p.get("enforcement"),
                        "reason": p.get("reason"),
                    }
                )
            elif r.event == "output_written":
                outputs.append(
                    {
                        **where,
                        "path": p.get("path"),
                        "sha256": p.get("sha256"),
                        "kind": p.get("kind"),
                        "via": p.get("via"),
                        "datasets": p.get("datasets", []),
                        "columns": p.get("columns"),
                        "raw_columns": p.get("raw_columns") or [],
                    }
                )
            elif r.event == "ungoverned_read":
                ungoverned.append({**where, **{k: p.get(k) for k in ("path", "datasets", "via", "count")}})
            elif r.event == "model_trained":
                models.append(
                    {
                        **where,
                        "model_class": p.get("model_class"),
                        "variable": p.get("variable"),
                        "datasets": p.get("datasets", []),
                        "columns": p.get("columns", []),
                        "rows": p.get("rows"),
                    }
                )
            elif r.event == "record_exported":
                exports.append({**where, "format": p.get("format"), "head": p.get("head")})
            elif r.event == "column_flagged":
                corrections.append(_correction(r, p, where, categories, special))

    # special categories: the Art. 9 condition of the purposes declared for them
    purposes: list[dict[str, Any]] = []
    for pid, d in declared.items():
        pol = policy.purpose(pid)
        bases = []
        seen: set[tuple[Any, Any]] = set()
        for decl in d["declarations"]:
            pair = (decl["lawful_basis"], decl["reference"])
            if pair in seen:
                continue
            seen.add(pair)
            dpv, article = LAWFUL_BASES.get(str(decl["lawful_basis"]), (None, None))
            bases.append(
                {
                    "basis": decl["lawful_basis"],
                    "dpv": dpv,
                    "article": article,
                    "reference": decl["reference"],
                }
            )
        rule = pol.special_categories if pol else None
        purposes.append(
            {
                "id": pid,
                "description": pol.description if pol else None,
                "in_policy": pol is not None,
                "lawful_bases": bases,
                "data_subjects": list(pol.data_subjects) if pol else [],
                "recipients": list(pol.recipients) if pol else [],
                "retention": pol.retention if pol else None,
                "special_categories": {
                    "allowed": list(rule.allowed),
                    "art9_condition": rule.art9_condition,
                    "article": ART9_CONDITIONS.get(rule.art9_condition),
                }
                if rule
                else None,
                "declarations": d["declarations"],
            }
        )
    for s in special.values():
        conds = sorted(
            {
                str(p["special_categories"]["art9_condition"])
                for p in purposes
                if p["special_categories"] and s["category"] in p["special_categories"]["allowed"]
            }
        )
        s["art9_conditions"] = [{"condition": c, "article": ART9_CONDITIONS.get(c)} for c in conds]
        s["processed_raw"] = any(
            u["decision"] == "granted" and u["dataset"] in s["datasets"] and u["art9_condition"]
            for u in unmask
        )

    ok = all(c["ok"] for c in chains)
    first = next((c for c in chains if not c["ok"]), None)
    strategies = Counter(str(m["strategy"]) for m in measures)
    subjects = sorted({s for p in purposes for s in p["data_subjects"]})
    recipients = sorted({s for p in purposes for s in p["recipients"]})
    return {
        "$schema": SCHEMA_ID,
        "schema_version": SCHEMA_VERSION,
        "@context": DPV_CONTEXT,
        "generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "generator": {"name": "jupyter-privacy", "version": __version__},
        "notebooks": list(notebooks),
        "processing_recorded": processing > 0,
        "controller": _party(policy.controller),
        "dpo": _party(policy.dpo),
        "policy": {
            "source": loaded_policy.source,
            "sha256": loaded_policy.sha256,
            "default": loaded_policy.is_default,
            "enforcement": policy.enforcement,
            "hashes_in_log": sorted(policy_hashes),
            "matches_log": policy_hashes <= {loaded_policy.sha256},
        },
        "verification": {
            "ok": ok,
            "problem": (
                f"{first['notebook']}: {first['problem']['message']}" if first and first["problem"] else None
            )
            if not ok
            else None,
            "chains": chains,
        },
        "purposes": purposes,
        "data_subjects": subjects,
        "personal_data_categories": sorted(categories.values(), key=lambda c: (c["category"], c["entity"])),
        "special_categories": sorted(special.values(), key=lambda s: s["category"]),
        "recipients": recipients,
        "outputs": outputs,
        "models": models,
        "retention": [{"purpose": p["id"], "retention": p["retention"]} for p in purposes],
        "technical_measures": {
            "masking": measures,
            "strategies": dict(sorted(strategies.items())),
            "key_ids": sorted(key_ids),
            "enforcement": policy.enforcement,
            "processing_log": "append-only, SHA-256 hash-chained per notebook; verified when this record was built",
            "erasure_fingerprints": fingerprinted,
            "corrections": corrections,
            "note": "Pseudonymised data is still personal data (GDPR Recital 26); masking reduces risk, it does "
            "not anonymise.",
        },
        "evidence": {
            "datasets": datasets,
            "cells": list(cells.values()),
            "unmask": unmask,
            "outputs": outputs,
            "models": models,
            "exports": exports,
            "ungoverned_reads": ungoverned,
        },
    }


def _correction(
    r: Any,
    p: dict[str, Any],
    where: dict[str, Any],
    categories: dict[str, dict[str, Any]],
    special: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """A user's ``%privacy_flag`` (masks more, never less): listed as a correction, and the column
    counted under its corrected categories."""
    to = p.get("to") or {}
    ds_id, col = str(p.get("dataset")), f"{p.get('dataset')}:{p.get('column')}"
    cat = str(to.get("category"))
    for entity in to.get("entities") or [cat.upper()]:
        c = categories.setdefault(
            entity,
            {"entity": entity, "category": cat, "dpv": PD_TERMS.get(entity), "datasets": [], "columns": []},
        )
        if ds_id not in c["datasets"]:
            c["datasets"].append(ds_id)
        if col not in c["columns"]:
            c["columns"].append(col)
    if cat == "special" and to.get("special_category"):
        sc = str(to["special_category"])
        s = special.setdefault(sc, {"category": sc, "dpv": PD_TERMS.get(sc), "datasets": [], "columns": []})
        if ds_id not in s["datasets"]:
            s["datasets"].append(ds_id)
        if col not in s["columns"]:
            s["columns"].append(col)
    return {
        **where,
        "dataset": p.get("dataset"),
        "column": p.get("column"),
        "from": p.get("from"),
        "to": to,
        "strategy": p.get("strategy"),
    }


# -- rendering ----------------------------------------------------------------------------------------


def render(record: dict[str, Any], fmt: str) -> tuple[str, str]:
    """``(text, content type)`` of the record as ``json``, ``csv`` or ``html``."""
    if fmt == "json":
        return json.dumps(record, indent=2, ensure_ascii=False) + "\n", "application/json"
    if fmt == "csv":
        return _csv(record), "text/csv"
    if fmt == "html":
        from .article30_html import render_html

        return render_html(record, NOTHING_RECORDED), "text/html"
    raise ValueError(f"unknown format {fmt!r}; use json, csv or html")


def _join(values: Any) -> str:
    if values is None:
        return ""
    if isinstance(values, list | tuple):
        return "; ".join(_join(v) for v in values)
    if isinstance(values, dict):
        return json.dumps(values, ensure_ascii=False, sort_keys=True)
    return str(values)


def _rows(record: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    labels = _dataset_labels(record)

    def add(section: str, item: str, field: str, value: Any) -> None:
        rows.append((section, item, field, _join(value)))

    v = record["verification"]
    add("verification", "log", "ok", "true" if v["ok"] else "false")
    add("verification", "log", "problem", v["problem"])
    for c in v["chains"]:
        add("verification", c["notebook"], "head", f"seq {c['head_seq']} {c['head_hash']}")
        add("verification", c["notebook"], "ok", "true" if c["ok"] else "false")
    for role in ("controller", "dpo"):
        party = record[role] or {}
        for k in ("name", "contact", "address", "representative"):
            add(role, role, k, party.get(k))
    add("policy", "policy", "sha256", record["policy"]["sha256"])
    add("policy", "policy", "source", record["policy"]["source"])
    for p in record["purposes"]:
        add("purpose", p["id"], "description", p["description"])
        for b in p["lawful_bases"]:
            add(
                "purpose",
                p["id"],
                "lawful_basis",
                f"{b['basis']} ({b['dpv']}, {b['article']}) ref {b['reference']}",
            )
        add("purpose", p["id"], "data_subjects", p["data_subjects"])
        add("purpose", p["id"], "recipients", p["recipients"])
        add("purpose", p["id"], "retention", p["retention"])
        if p["special_categories"]:
            sc = p["special_categories"]
            add(
                "purpose",
                p["id"],
                "special_categories",
                f"{_join(sc['allowed'])} under {sc['art9_condition']}",
            )
    add("data_subjects", "all", "categories", record["data_subjects"])
    for c in record["personal_data_categories"]:
        add("personal_data", c["entity"], "category", f"{c['category']} {c['dpv'] or ''}".strip())
        add("personal_data", c["entity"], "columns", [_column_label(x, labels) for x in c["columns"]])
    for s in record["special_categories"]:
        add(
            "special_category",
            s["category"],
            "art9_conditions",
            [a["condition"] for a in s["art9_conditions"]],
        )
        add("special_category", s["category"], "columns", [_column_label(x, labels) for x in s["columns"]])
    add("recipients", "all", "recipients", record["recipients"])
    for r in record["retention"]:
        add("retention", r["purpose"], "retention", r["retention"])
    tm = record["technical_measures"]
    add("technical_measures", "masking", "key_ids", tm["key_ids"])
    add("technical_measures", "masking", "strategies", tm["strategies"])
    for m in tm["masking"]:
        add(
            "technical_measures",
            f"{m['dataset']}:{m['column']}",
            "strategy",
            f"{m['strategy']}: {m['detail']}",
        )
    for c in tm.get("corrections", []):
        add(
            "correction",
            f"{c['dataset']}:{c['column']}",
            "flagged",
            f"{(c['from'] or {}).get('category')} -> {c['to'].get('category')} {_join(c['to'].get('entities'))} "
            f"({c['strategy']}) cell {c['cell_id']} [{c['execution_count']}] by {c.get('user') or 'unknown'}",
        )
    ev = record["evidence"]
    for d in ev["datasets"]:
        item = d["dataset"]
        add("dataset", item, "source", d["source"])
        add("dataset", item, "content_sha256", d["content_sha256"])
        add("dataset", item, "loaded_at", d["loaded_at"])
        add(
            "dataset",
            item,
            "cell",
            f"{_where(d['cell'])} {d['cell']['code_sha256']}",
        )
    for c in ev["cells"]:
        add("cell", f"{c['cell_id']}", "events", [f"{e['seq']}:{e['event']}" for e in c["events"]])
    for u in ev["unmask"]:
        add(
            "unmask",
            u["dataset"],
            u["decision"],
            f"{_join(u['columns'])} purpose {u['purpose']} ({u['reason'] or 'allowed'}) "
            f"by {u.get('user') or 'unknown'}",
        )
    for o in ev["outputs"]:
        add("output", o["path"], "datasets", o["datasets"])
        add("output", o["path"], "sha256", o["sha256"])
        add("output", o["path"], "unmasked_columns", o["raw_columns"])
    for m in ev["models"]:
        add("model", f"{m['model_class']} {m['variable']}", "datasets", m["datasets"])
    for u in ev.get("ungoverned_reads", []):
        add(
            "ungoverned read", u["path"], "via", f"{u['via']} ({u['count']}x) datasets {_join(u['datasets'])}"
        )
    return rows


def _csv(record: dict[str, Any]) -> str:
    buf = io.StringIO()
    v = record["verification"]
    if not v["ok"]:
        buf.write(f"# WARNING: PROCESSING LOG FAILED VERIFICATION: {v['problem']}\n")
    elif not record["processing_recorded"]:
        buf.write(f"# {NOTHING_RECORDED}\n")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_rows(record))
    return buf.getvalue()


def _where(entry: dict[str, Any]) -> str:
    """Where an event happened, for people: ``cell ID [N]``, or that it ran outside any cell."""
    cell, count = entry.get("cell_id"), entry.get("execution_count")
    if cell is None and count is None:
        return "outside a notebook cell (Privacy sidebar or API)"
    return f"cell {cell if cell is not None else '(no id)'}" + (f" [{count}]" if count is not None else "")


def _dataset_labels(record: dict[str, Any]) -> dict[str, str]:
    """Dataset id -> the file name(s) it was loaded from (what a DPO recognises)."""
    names: dict[str, list[str]] = {}
    for d in record["evidence"]["datasets"]:
        source = str(d.get("source") or d["dataset"])
        name = source.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or source
        if name not in names.setdefault(d["dataset"], []):
            names[d["dataset"]].append(name)
    return {ds: " / ".join(n) for ds, n in names.items()}


def _column_label(column: str, labels: dict[str, str]) -> str:
    """``ds-…:email`` -> ``customers.csv: email``."""
    ds, sep, name = column.partition(":")
    return f"{labels[ds]}: {name}" if sep and ds in labels else column
