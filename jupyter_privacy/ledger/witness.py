"""Signed checkpoints of chain heads (Ed25519), kept apart from the log, and the check against them.

A hash chain shows edits only to someone holding a hash from before the edit. The *witness* (an admin
job, from cron or as a JupyterHub service, with a private key the kernels cannot read) signs the head of
every chain -- ``(notebook, seq, hash, ts, key_id)`` -- and appends the signed checkpoint to a JSONL file
the kernels cannot write. ``verify`` then checks each chain against its latest valid checkpoint with the
public key named in the policy:

``rewritten``     the checkpointed record is still there but has another hash (the chain was rebuilt);
``rolled_back``   the chain ends before the checkpointed record (records deleted at the end, the head moved
                  back, or an older copy of the log restored);
``deleted``       a checkpointed chain is missing altogether;
``forged``        a checkpoint line whose signature does not verify with the public key (ignored otherwise);
``unsigned_tail`` records after the latest checkpoint (not a problem: they are simply not witnessed yet).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .records import canonical_json, utc_timestamp
from .store import LedgerError, LedgerStore
from .verify import verify_chain

TAMPER_KINDS = ("rewritten", "rolled_back", "deleted", "forged")


def _crypto() -> Any:
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError:
        raise LedgerError(
            "signed checkpoints need the cryptography package",
            "jupyter-privacy witness",
            "install the team extra: pip install 'jupyter-privacy[team]'",
        ) from None
    return serialization, ed25519


@dataclass(frozen=True)
class Checkpoint:
    """A signed chain head. ``signature`` is hex Ed25519 over :meth:`message`."""

    notebook: str
    seq: int
    hash: str
    ts: str
    key_id: str
    signature: str

    def message(self) -> bytes:
        body = {
            "notebook": self.notebook,
            "seq": self.seq,
            "hash": self.hash,
            "ts": self.ts,
            "key_id": self.key_id,
        }
        return b"jupyter-privacy checkpoint v1\n" + canonical_json(body)


@dataclass(frozen=True)
class WitnessFinding:
    """What a chain's latest checkpoint says about it (kind: see the module docstring)."""

    notebook: str
    kind: str
    seq: int | None
    message: str
    unsigned: int = 0

    @property
    def tampered(self) -> bool:
        return self.kind in TAMPER_KINDS

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        label = "TAMPERED" if self.tampered else "UNSIGNED" if self.kind.startswith("unsigned") else "SIGNED"
        return f"{label:<8} {self.notebook}: {self.message}"


def key_id(public_key: Any) -> str:
    serialization, _ = _crypto()
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def generate_keypair(private_path: Path, public_path: Path) -> str:
    """Write a new Ed25519 key pair (private key mode 0600, never overwritten); return its key id."""
    serialization, ed25519 = _crypto()
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    public = key.public_key()
    public_path.write_bytes(
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return key_id(public)


def load_private_key(path: Path) -> Any:
    serialization, ed25519 = _crypto()
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise LedgerError(
            f"cannot read the witness private key ({type(exc).__name__})",
            str(path),
            "create one with `jupyter-privacy witness keygen`",
        ) from None
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise LedgerError(
            "the witness key is not an Ed25519 key", str(path), "use `jupyter-privacy witness keygen`"
        )
    return key


def load_public_key(path: Path) -> Any:
    serialization, ed25519 = _crypto()
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError, TypeError) as exc:
        raise LedgerError(
            f"cannot read the witness public key ({type(exc).__name__})",
            str(path),
            "check log.witness_public_key in the policy",
        ) from None
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise LedgerError(
            "the witness public key is not an Ed25519 key",
            str(path),
            "check log.witness_public_key in the policy",
        )
    return key


def read_checkpoints(path: Path, public_key: Any) -> tuple[dict[str, Checkpoint], list[WitnessFinding]]:
    """The latest checkpoint per notebook whose signature verifies, and a finding per forged line."""
    from cryptography.exceptions import InvalidSignature

    latest: dict[str, Checkpoint] = {}
    forged: list[WitnessFinding] = []
    if not path.exists():
        return latest, forged
    wanted = key_id(public_key)
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            cp = Checkpoint(**json.loads(line))
            if cp.key_id != wanted:
                raise ValueError("another key")
            public_key.verify(bytes.fromhex(cp.signature), cp.message())
        except (ValueError, TypeError, InvalidSignature):
            forged.append(
                WitnessFinding(
                    str(path),
                    "forged",
                    None,
                    f"line {n} of the checkpoint file is not "
                    "a checkpoint signed with the policy's witness key; it is ignored",
                )
            )
            continue
        if cp.notebook not in latest or cp.seq >= latest[cp.notebook].seq:
            latest[cp.notebook] = cp
    return latest, forged


def _hash_at(store: LedgerStore, notebook: str, seq: int) -> tuple[Any, int]:
    """The stored hash of record ``seq`` (None if absent) and the highest stored seq."""
    found, last = None, 0
    for raw in store.raw_records(notebook):
        if type(raw.seq) is int:
            last = max(last, raw.seq)
            if raw.seq == seq:
                found = raw.hash
    return found, last


def check_chain(store: LedgerStore, notebook: str, cp: Checkpoint | None) -> WitnessFinding:
    """The chain of ``notebook`` against its latest checkpoint (None: never signed)."""
    if cp is None:
        head = store.recorded_head(notebook)
        n = head.seq if head is not None and type(head.seq) is int else 0
        return WitnessFinding(notebook, "unsigned", None, f"no checkpoint yet ({n} unsigned records)", n)
    found, last = _hash_at(store, notebook, cp.seq)
    if last == 0:
        return WitnessFinding(
            notebook,
            "deleted",
            cp.seq,
            f"the chain was deleted: the checkpoint of {cp.ts} "
            f"names record {cp.seq} (hash {cp.hash[:16]}…), and no record of it is left",
        )
    if found is None:
        return WitnessFinding(
            notebook,
            "rolled_back",
            cp.seq,
            f"rolled back or truncated: the checkpoint of "
            f"{cp.ts} names record {cp.seq}, but the chain ends at record {last}",
        )
    if found != cp.hash:
        return WitnessFinding(
            notebook,
            "rewritten",
            cp.seq,
            f"rewritten: record {cp.seq} no longer has the hash "
            f"{cp.hash[:16]}… signed at {cp.ts}; the chain was rebuilt after it was witnessed",
        )
    tail = last - cp.seq
    return WitnessFinding(
        notebook,
        "unsigned_tail" if tail else "signed",
        cp.seq,
        f"matches the checkpoint of {cp.ts} at record {cp.seq}"
        + (f"; {tail} unsigned record(s) after it" if tail else ""),
        tail,
    )


def check_store(store: LedgerStore, checkpoints: Path, public_key: Any) -> list[WitnessFinding]:
    """Every chain of the store and every checkpointed chain, against the latest valid checkpoints."""
    latest, forged = read_checkpoints(checkpoints, public_key)
    notebooks = sorted(set(store.notebooks()) | set(latest))
    return forged + [check_chain(store, nb, latest.get(nb)) for nb in notebooks]


def sign_heads(store: LedgerStore, private_key: Any, checkpoints: Path) -> list[WitnessFinding]:
    """Sign the head of every chain that verifies and agrees with its previous checkpoint.

    A chain that fails either check is not signed (signing it would bless the tampering); its finding
    says why. New checkpoints are appended to ``checkpoints`` (created with mode 0644, fsynced).
    """
    public = private_key.public_key()
    kid = key_id(public)
    latest, _forged = read_checkpoints(checkpoints, public)
    results: list[WitnessFinding] = []
    lines: list[str] = []
    for nb in sorted(set(store.notebooks()) | set(latest)):
        report = verify_chain(store, nb)
        before = check_chain(store, nb, latest.get(nb))
        if not report.ok or before.tampered:
            why = report.problem.message if report.problem and not before.tampered else before.message
            results.append(WitnessFinding(nb, "refused", None, f"not signed: {why}"))
            continue
        head = store.recorded_head(nb)
        if head is None or (nb in latest and latest[nb].seq == head.seq):
            results.append(
                WitnessFinding(nb, "signed", head.seq if head else None, "already signed at its head")
            )
            continue
        unsigned = Checkpoint(nb, head.seq, head.hash, utc_timestamp(), kid, "")
        signature = private_key.sign(unsigned.message()).hex()
        cp = Checkpoint(nb, head.seq, head.hash, unsigned.ts, kid, signature)
        lines.append(json.dumps(asdict(cp), sort_keys=True))
        results.append(
            WitnessFinding(nb, "signed", head.seq, f"signed record {head.seq} ({head.hash[:16]}…)")
        )
    if lines:
        fd = os.open(checkpoints, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write("".join(line + "\n" for line in lines))
            fh.flush()
            os.fsync(fh.fileno())
    return results


def witness_settings(checkpoints: str | None, public_key: str | None, log: Any | None) -> Any:
    """(checkpoint file, public key) from the options, else from the policy's ``log`` settings; None
    when no witness is set up."""
    checkpoints = checkpoints or (log.checkpoints if log is not None else None)
    public_key = public_key or (log.witness_public_key if log is not None else None)
    if not (checkpoints and public_key):
        return None
    return Path(checkpoints).expanduser(), Path(public_key).expanduser()


def check_witness(store: LedgerStore, witness: Any) -> list[WitnessFinding]:
    """The witness findings of every chain (empty when no witness is set up)."""
    if witness is None:
        return []
    checkpoints, public_key = witness
    return check_store(store, checkpoints, load_public_key(public_key))
