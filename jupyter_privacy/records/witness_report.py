"""The witness findings in an exported record (CLI `export` and the sidebar's export through the REST API):
a rewritten, rolled-back or deleted chain fails the export's verification banner just like a broken chain
does."""

from __future__ import annotations

from typing import Any

from ..ledger import LedgerStore
from ..ledger.witness import check_chain, load_public_key, read_checkpoints, witness_settings
from ..policy import LoadedPolicy


def witnessed_notebooks(loaded: LoadedPolicy) -> list[str]:
    """Notebooks the policy's witness has signed a checkpoint of (none without a witness).

    An export names them as known even when the log has no record of them any more, so that a deleted
    chain fails the export's banner instead of being "not found".
    """
    witness = witness_settings(None, None, loaded.policy.log)
    if witness is None:
        return []
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
    checkpoints, public_key = witness
    latest, forged = read_checkpoints(checkpoints, load_public_key(public_key))
    # only the chains of this record are read (not every chain of a team log)
    findings = forged + [check_chain(store, nb, latest.get(nb)) for nb in sorted(set(notebooks))]
    verification = record["verification"]
    verification["witness"] = [f.to_dict() for f in findings]
    tampered = [f for f in findings if f.tampered]
    if tampered:
        verification["ok"] = False
        verification["problem"] = "; ".join(f"{f.notebook}: {f.message}" for f in tampered)
