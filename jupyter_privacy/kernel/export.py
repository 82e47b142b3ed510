"""A notebook's processing record from its log (the Article 30 export builds on this)."""

from __future__ import annotations

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
    """This notebook's Article 30 record (see :mod:`jupyter_privacy.records.article30`), then log
    ``record_exported`` with the verified head it was built from. Formats: html, json, csv."""
    from ..records.article30 import build_record, render

    record = build_record(session.store, session.loaded, [session.notebook])
    # appendix: the log records themselves (as stored), so the export can be re-verified on its own
    record["records"] = [r.to_dict() for r in session.store.records(session.notebook)]
    chain = record["verification"]["chains"][0] if record["verification"]["chains"] else {}
    text, mime = render(record, fmt)
    session.log(
        "record_exported",
        {
            "format": fmt,
            "kind": "article30",
            "records": chain.get("records_checked", 0),
            "head": chain.get("head_hash"),
            "verified": record["verification"]["ok"],
        },
    )
    return text, mime
