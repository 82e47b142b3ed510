"""The Art. 30 record as HTML, rendered from the Jinja2 template ``templates/article30.html.j2``.

The template is rendered with autoescaping on, so every value taken from the log or the policy (file
names, purposes, notebook paths, user names) is escaped by Jinja2. This module only turns the record into
plain-text table cells (lists joined, dataset ids named by their file); it never writes markup.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2

from .article30 import _column_label, _dataset_labels, _join, _where

NOTHING = "nothing"
VERIFIED = "verified"
FAILED = "failed"


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("jupyter_privacy.records", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    return env.get_template("article30.html.j2")


def _t(headers: list[str], rows: list[list[Any]], code: set[int] | None = None) -> dict[str, Any]:
    return {"headers": headers, "rows": [[_join(c) for c in row] for row in rows], "code": code or set()}


def _who(entry: dict[str, Any]) -> str:
    """Who acted, and on which server when the entry says (two users' copies of one notebook share a chain)."""
    user = entry.get("user") or "unknown"
    return f"{user} on {entry['server']}" if entry.get("server") else user


def _banner(record: dict[str, Any], nothing_recorded: str) -> dict[str, str]:
    v = record["verification"]
    if v["ok"] and not record["processing_recorded"]:
        return {"kind": NOTHING, "text": nothing_recorded}
    if v["ok"]:
        heads = ", ".join(f"{c['notebook']} seq {c['head_seq']} {c['head_hash']}" for c in v["chains"])
        return {"kind": VERIFIED, "text": heads}
    return {"kind": FAILED, "text": _join(v["problem"])}


def _party_text(party: dict[str, Any] | None) -> dict[str, str]:
    return {k: _join((party or {}).get(k)) for k in ("name", "contact", "address", "representative")}


def render_html(record: dict[str, Any], nothing_recorded: str) -> str:
    """The whole HTML page of ``record`` (self-contained: inline CSS, no scripts or links)."""
    tm = record["technical_measures"]
    return _template().render(
        version=_join(record["generator"]["version"]),
        generated_at=_join(record["generated_at"]),
        notebooks=_join(record["notebooks"]),
        banner=_banner(record, nothing_recorded),
        controller=_party_text(record["controller"]),
        dpo=_party_text(record["dpo"]),
        policy={k: _join(record["policy"][k]) for k in ("sha256", "source", "enforcement")},
        data_subjects=_join(record["data_subjects"] or "not stated (no purpose declared)"),
        recipients=_join(record["recipients"] or "none stated"),
        measures={k: _join(tm[k]) for k in ("key_ids", "strategies", "note")},
        tables=_tables(record, _dataset_labels(record)),
    )


def _tables(record: dict[str, Any], labels: dict[str, str]) -> dict[str, dict[str, Any]]:
    return _policy_tables(record, labels) | _evidence_tables(record, labels)


def _policy_tables(record: dict[str, Any], labels: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {
        "purposes": _t(
            ["Purpose", "Description", "Lawful basis", "Reference", "Declared"],
            [
                [
                    p["id"],
                    p["description"],
                    [f"{b['basis']} ({b['dpv']}, {b['article']})" for b in p["lawful_bases"]],
                    [b["reference"] for b in p["lawful_bases"]],
                    [f"{d['ts']} {_where(d)} by {d.get('user') or 'unknown'}" for d in p["declarations"]],
                ]
                for p in record["purposes"]
            ],
        ),
        "categories": _t(
            ["Entity", "Category", "DPV term", "Columns"],
            [
                [c["entity"], c["category"], c["dpv"] or "", [_column_label(x, labels) for x in c["columns"]]]
                for c in record["personal_data_categories"]
            ],
        ),
        "special": _t(
            ["Category", "DPV term", "Art. 9(2) condition", "Raw access granted", "Columns"],
            [
                [
                    s["category"],
                    s["dpv"] or "",
                    [f"{a['condition']} ({a['article']})" for a in s["art9_conditions"]] or "NONE DECLARED",
                    "yes" if s["processed_raw"] else "no (masked)",
                    [_column_label(x, labels) for x in s["columns"]],
                ]
                for s in record["special_categories"]
            ],
        ),
        "retention": _t(
            ["Purpose", "Retention"], [[r["purpose"], r["retention"]] for r in record["retention"]]
        ),
        "masking": _t(
            ["File (dataset)", "Column", "Category", "Entities", "Strategy", "Detail"],
            [
                [
                    f"{labels.get(m['dataset'], m['dataset'])} ({m['dataset']})",
                    m["column"],
                    m["category"],
                    m["entities"],
                    m["strategy"],
                    m["detail"],
                ]
                for m in record["technical_measures"]["masking"]
            ],
        ),
        "corrections": _t(
            ["Dataset", "Column", "Was", "Flagged as", "Masking", "Cell", "User"],
            [
                [
                    c["dataset"],
                    c["column"],
                    (c["from"] or {}).get("category"),
                    f"{c['to'].get('category')} {_join(c['to'].get('entities'))}",
                    c["strategy"],
                    f"{c['cell_id']} [{c['execution_count']}]",
                    c.get("user"),
                ]
                for c in record["technical_measures"].get("corrections", [])
            ],
        ),
    }


def _evidence_tables(record: dict[str, Any], labels: dict[str, str]) -> dict[str, dict[str, Any]]:
    ev = record["evidence"]
    return {
        "outputs": _t(
            ["File", "SHA-256", "Kind", "From datasets", "Unmasked columns", "Cell", "Who"],
            [
                [
                    o["path"],
                    o["sha256"],
                    o["kind"],
                    [labels.get(d, d) for d in o["datasets"]],
                    o["raw_columns"] or "none (masked)",
                    _where(o),
                    _who(o),
                ]
                for o in record["outputs"]
            ],
            {1},
        ),
        "models": _t(
            ["Model", "Variable", "Trained on datasets", "Columns", "Rows"],
            [
                [
                    m["model_class"],
                    m["variable"],
                    [labels.get(d, d) for d in m["datasets"]],
                    m["columns"],
                    m["rows"],
                ]
                for m in record["models"]
            ],
        ),
        "ungoverned": _t(
            ["File", "Read via", "Times", "Datasets", "Cell"],
            [
                [u["path"], u["via"], u["count"], u["datasets"], f"{u['cell_id']} [{u['execution_count']}]"]
                for u in ev.get("ungoverned_reads", [])
            ],
        ),
        "datasets": _t(
            ["Dataset", "Source", "Content SHA-256", "Shape", "Loaded at", "Cell", "Code SHA-256", "Who"],
            [
                [
                    d["dataset"],
                    d["source"],
                    d["content_sha256"],
                    d["shape"],
                    d["loaded_at"],
                    _where(d["cell"]),
                    d["cell"]["code_sha256"],
                    _who(d["cell"]),
                ]
                for d in ev["datasets"]
            ],
            {2, 6},
        ),
        "unmask": _t(
            ["Decision", "Dataset", "Columns", "Purpose", "Basis / reference", "Reason", "Who", "When"],
            [
                [
                    u["decision"],
                    u["dataset"],
                    u["columns"],
                    u["purpose"] or "none",
                    f"{u['lawful_basis'] or ''} {u['reference'] or ''}".strip(),
                    u["reason"] or "",
                    _who(u),
                    u["ts"],
                ]
                for u in ev["unmask"]
            ],
        ),
        "cells": _t(
            ["Notebook", "Cell id", "Execution", "Code SHA-256", "Events", "Who"],
            [
                [
                    c["notebook"],
                    c["cell_id"],
                    c["execution_count"],
                    c["code_sha256"],
                    [e["event"] for e in c["events"]],
                    _who(c),
                ]
                for c in ev["cells"]
            ],
            {3},
        ),
        "chains": _t(
            ["Notebook", "Intact", "Records", "Head seq", "Head hash", "Problem"],
            [
                [
                    c["notebook"],
                    "yes" if c["ok"] else "NO",
                    c["records_checked"],
                    c["head_seq"],
                    c["head_hash"],
                    c["problem"]["message"] if c["problem"] else "",
                ]
                for c in record["verification"]["chains"]
            ],
            {4},
        ),
    }
