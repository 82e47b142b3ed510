"""The witness findings in an exported record: a rewritten, rolled-back or deleted chain fails the export's
verification banner just like a broken chain does."""

from __future__ import annotations

from typing import Any

from ..ledger import LedgerStore
from ..policy import LoadedPolicy
from .ledger_cmd import check_witness, witness_settings


def witnessed_notebooks(loaded: LoadedPolicy) -> list[str]:
    """Notebooks the policy's witness has signed a checkpoint of (none without a witness).

    An export names them as known even when the log has no record of them any more, so that a deleted
    chain fails the export's banner instead of being "not found".
    """
    witness = witness_settings(None, None, loaded.policy.log)
    if witness is None:
        return []
    from ..ledger.witness import load_public_key, read_checkpoints

    checkpoints, public_key = witness
    latest, _forged = read_checkpoints(checkpoints, load_public_key(public_key))
    return sorted(latest)


def apply_witness(
    record: dict[str, Any], store: LedgerStore, loaded: LoadedPolicy, notebooks: list[str]
) -> None:
    """Add ``verification.witness`` and fail the verification when a checkpoint shows tampering."""
    witness = witness_settings(None, None, loaded.policy.log)
    if witness is None:
        return
    wanted = set(notebooks)
    findings = [f for f in check_witness(store, witness) if f.notebook in wanted or f.kind == "forged"]
    verification = record["verification"]
    verification["witness"] = [f.to_dict() for f in findings]
    tampered = [f for f in findings if f.tampered]
    if tampered:
        verification["ok"] = False
        verification["problem"] = "; ".join(f"{f.notebook}: {f.message}" for f in tampered)
