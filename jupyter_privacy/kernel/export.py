"""A notebook's processing record from its log (the Article 30 export builds on this)."""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING, Any

from ..ledger import verify_chain

if TYPE_CHECKING:
    from .session import PrivacySession


def notebook_record(session: PrivacySession) -> dict[str, Any]:
    store = session.store
    report = verify_chain(store, session.notebook)
    records = [r.to_dict() for r in store.records(session.notebook)]
    policy = session.policy
    return {
        "notebook": session.notebook,
        "controller": policy.controller.model_dump(mode="json"),
        "dpo": policy.dpo.model_dump(mode="json") if policy.dpo else None,
        "policy": {
            "source": session.loaded.source,
            "sha256": session.loaded.sha256,
            "default": session.loaded.is_default,
        },
        "verification": {
            "ok": report.ok,
            "records": report.records_checked,
            "head": report.head_hash,
            "problem": report.problem.message if report.problem else None,
        },
        "records": records,
    }


def export_notebook(session: PrivacySession, fmt: str) -> tuple[str, str]:
    record = notebook_record(session)
    session.log(
        "record_exported",
        {"format": fmt, "records": len(record["records"]), "head": record["verification"]["head"]},
    )
    if fmt == "json":
        return json.dumps(record, indent=2, ensure_ascii=False), "application/json"
    v = record["verification"]
    status = "chain verified" if v["ok"] else f"CHAIN BROKEN: {v['problem']}"
    rows = "".join(
        f"<tr><td>{r['seq']}</td><td>{html.escape(r['ts'])}</td><td>{html.escape(r['event'])}</td>"
        f"<td>{r['execution_count'] if r['execution_count'] is not None else ''}</td>"
        f"<td><code>{html.escape(json.dumps(r['payload'], ensure_ascii=False)[:300])}</code></td></tr>"
        for r in record["records"]
    )
    doc = (
        f"<div class='jp-privacy-export'><h3>Processing record: {html.escape(record['notebook'])}</h3>"
        f"<p>Controller: {html.escape(record['controller']['name'])}. Policy sha256 "
        f"<code>{record['policy']['sha256'][:16]}…</code>. <b>{html.escape(status)}</b> "
        f"({v['records']} records, head <code>{(v['head'] or '')[:16]}</code>)</p>"
        f"<table><tr><th>#</th><th>time</th><th>event</th><th>cell</th><th>details</th></tr>{rows}</table></div>"
    )
    return doc, "text/html"
