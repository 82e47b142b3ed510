"""A notebook's processing record from its log (the Article 30 export builds on this)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..ledger import LedgerRecord, verify_chain
from .errors import PrivacyError

if TYPE_CHECKING:
    from .session import PrivacySession


def notebook_record(session: PrivacySession) -> dict[str, Any]:
    store = session.store
    report = verify_chain(store, session.notebook)
    records = [r.to_dict() for r in _own_records(session)]
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


def export_notebook(session: PrivacySession, fmt: str, output: str | None = None) -> tuple[str, str]:
    """This notebook's Article 30 record (see :mod:`jupyter_privacy.records.article30`), written to
    ``output`` if given, then ``record_exported`` logged with the verified head it was built from -- only
    once the record exists (a failed write logs nothing). Formats: html, json, csv."""
    from ..records.article30 import build_record, render
    from ..records.witness_report import apply_witness

    mine = session.store.identity.wrote
    record = build_record(session.store, session.loaded, [session.notebook], lambda _nb, r: mine(r))
    apply_witness(record, session.store, session.loaded, [session.notebook])  # signed checkpoints, if any
    # appendix: the log records themselves (as stored), so the export can be re-verified on its own; only
    # this user's (a team log's chain can hold other users' notebooks of the same path: their records
    # leave gaps in seq, and each record's hash still verifies against its own prev_hash)
    record["records"] = [r.to_dict() for r in _own_records(session)]
    chain = record["verification"]["chains"][0] if record["verification"]["chains"] else {}
    text, mime = render(record, fmt)
    if output is not None:
        _write(Path(output).expanduser(), text)
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


def _own_records(session: PrivacySession) -> list[LedgerRecord]:
    """The records of this notebook's chain written by this kernel's user."""
    return [r for r in session.store.records(session.notebook) if session.store.identity.wrote(r)]


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        where = "its folder does not exist" if not path.parent.is_dir() else (exc.strerror or str(exc))
        raise PrivacyError(
            f"the record cannot be written to {path}: {where}; choose a path in an existing folder you can "
            "write to (nothing was exported or logged)"
        ) from None
