"""``jupyter-privacy witness keygen|sign``: the admin's signed checkpoints of every chain head.

Run ``sign`` as a user the notebook kernels are not (from cron, or ``--every SECONDS`` as a JupyterHub
service) with a private key they cannot read; ``verify`` checks the chains against the checkpoints with
the public key named in the policy (``log.witness_public_key``, ``log.checkpoints``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from ..ledger import LedgerError
from ..ledger.witness import generate_keypair, load_private_key, sign_heads
from ..policy import PolicyError, load_policy
from .errors import CliError
from .ledger_cmd import open_log


def add_parser(subparsers: Any) -> None:
    """Add ``witness keygen`` and ``witness sign``."""
    witness = subparsers.add_parser(
        "witness",
        help="sign chain heads with a key the kernels cannot read (admin)",
        description="Signed checkpoints of every chain head (Ed25519), kept apart from the log.",
    )
    sub = witness.add_subparsers(dest="witness_command", required=True)
    keygen = sub.add_parser("keygen", help="create an Ed25519 key pair")
    keygen.add_argument("--private", metavar="FILE", required=True, help="private key (created 0600)")
    keygen.add_argument("--public", metavar="FILE", required=True, help="public key (name it in the policy)")
    keygen.set_defaults(func=run_keygen)
    sign = sub.add_parser("sign", help="sign the head of every chain that verifies")
    sign.add_argument("--key", metavar="FILE", required=True, help="the witness private key")
    sign.add_argument("--checkpoints", metavar="FILE", help="default: log.checkpoints of the policy")
    sign.add_argument("--store", metavar="FILE", help="a SQLite log (default: the policy's log store)")
    sign.add_argument("--every", metavar="SECONDS", type=float, help="keep signing every SECONDS")
    sign.set_defaults(func=run_sign)


def run_keygen(args: argparse.Namespace) -> int:
    private = Path(args.private).expanduser()
    if private.exists():
        raise CliError(f"{private} exists; a witness key is never overwritten")
    try:
        kid = generate_keypair(private, Path(args.public).expanduser())
    except OSError as exc:
        raise CliError(f"cannot write the key pair: {exc.strerror or exc}") from None
    print(
        f"witness key {kid}: private {private} (0600, keep it from the kernels' users), public {args.public}"
    )
    print("name the public key in the policy: log: {witness_public_key: ..., checkpoints: ...}")
    return 0


def run_sign(args: argparse.Namespace) -> int:
    try:
        loaded = None if args.store and args.checkpoints else load_policy()
    except PolicyError as exc:
        raise CliError(
            f"cannot load the privacy policy {exc.source}; pass --store and --checkpoints"
        ) from None
    path = args.checkpoints or (loaded.policy.log.checkpoints if loaded else None)
    if not path:
        raise CliError("no checkpoint file: set log.checkpoints in the policy or pass --checkpoints FILE")
    checkpoints = Path(path).expanduser()
    try:
        key = load_private_key(Path(args.key).expanduser())
    except LedgerError as exc:
        raise CliError(str(exc)) from None
    refused = False
    while True:
        store = open_log(args.store, loaded)
        try:
            results = sign_heads(store, key, checkpoints)
        except LedgerError as exc:
            raise CliError(str(exc)) from None
        finally:
            store.close()
        for r in results:
            print(f"{'REFUSED' if r.kind == 'refused' else 'SIGNED':<8} {r.notebook}: {r.message}")
            refused = refused or r.kind == "refused"
        sys.stdout.flush()
        if not args.every:
            return 1 if refused else 0
        time.sleep(args.every)
