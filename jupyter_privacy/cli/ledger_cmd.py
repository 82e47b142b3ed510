"""``jupyter-privacy verify`` and ``jupyter-privacy log``: check and read the processing log.

Both open the store read-only (nothing is created or changed). The store is ``--store FILE`` or the
``log.path`` of the policy in effect. Exit codes of ``verify``: 0 every chain intact, 1 a chain is
broken, 2 the store cannot be read. ``log`` exits 0, 1 when a damaged row had to be left out, or 2 on errors.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..ledger import (
    LedgerError,
    LedgerRecord,
    LedgerStore,
    SqliteLedgerStore,
    open_store,
    verify_all,
    verify_chain,
)
from ..ledger.records import canonical_json
from ..ledger.store import parse_raw
from ..ledger.witness import check_witness, witness_settings
from ..policy import LoadedPolicy, PolicyError, load_policy
from .errors import CliError


def add_parser(subparsers: Any) -> None:
    """Add the ``verify`` and ``log`` commands."""
    verify = subparsers.add_parser(
        "verify",
        help="check that the processing log was not tampered with",
        description="Recompute every record's hash and check every notebook's chain (or one notebook's) "
        "in the processing log. Exit status: 0 all chains intact, 1 a chain is broken, 2 the store "
        "cannot be read.",
    )
    verify.add_argument("--notebook", metavar="PATH", help="check only this notebook's chain")
    _store_arg(verify)
    verify.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    verify.add_argument("--checkpoints", metavar="FILE", help="signed checkpoints (default: log.checkpoints)")
    verify.add_argument(
        "--public-key", metavar="FILE", help="the witness public key (default: log.witness_public_key)"
    )
    verify.set_defaults(func=run_verify)

    log = subparsers.add_parser(
        "log",
        help="print a notebook's processing log records",
        description="Print the processing log records of one notebook, in order. Records are printed as "
        "stored; run `jupyter-privacy verify` to check them.",
    )
    log.add_argument(
        "action",
        nargs="?",
        choices=("init-db",),
        help="init-db: create the PostgreSQL schema and roles of a team log (admin; idempotent)",
    )
    log.add_argument(
        "--notebook",
        metavar="PATH",
        help="the notebook (its path; a unique suffix of a recorded path also works)",
    )
    log.add_argument(
        "--dsn-env",
        metavar="VAR",
        help="init-db: environment variable with an admin connection string (default: the policy's log.dsn_env)",
    )
    log.add_argument(
        "--writer",
        metavar="ROLE",
        action="append",
        default=[],
        help="init-db: a notebook user's login role to make a member of jupyter_privacy_writer (repeatable)",
    )
    log.add_argument(
        "--reader",
        metavar="ROLE",
        action="append",
        default=[],
        help="init-db: a DPO's login role to make a member of jupyter_privacy_reader (repeatable)",
    )
    log.add_argument(
        "--user-check",
        choices=("login", "any"),
        help="init-db: 'login' refuses a record whose user is not the database login role (each user "
        "connects with their own role: the records' users are authenticated); 'any' lifts it "
        "(default: keep the current setting; a new log starts with 'any')",
    )
    _store_arg(log)
    log.add_argument(
        "--format",
        choices=("jsonl", "table"),
        default="jsonl",
        help="jsonl: one canonical JSON record per line (default); table: for people",
    )
    log.set_defaults(func=run_log)


def _store_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store", metavar="FILE", help="the ledger file (default: log.path of the privacy policy in effect)"
    )


def _open(args: argparse.Namespace) -> LedgerStore:
    if args.store:
        return open_log(args.store, None)
    try:
        loaded = load_policy()
    except PolicyError as exc:
        first = exc.problems[0].message if exc.problems else "invalid"
        raise CliError(
            f"cannot load the privacy policy {exc.source} to find the processing log: "
            f"{first} (run `jupyter-privacy policy show`, or pass --store FILE)"
        ) from None
    return open_log(None, loaded)


def open_log(store: str | None, loaded: LoadedPolicy | None) -> LedgerStore:
    """The log read-only: the SQLite file ``store``, else the store the policy configures (SQLite or
    PostgreSQL). Nothing is created; a missing SQLite file is an error naming where it was looked for."""
    if store is None and loaded is not None and loaded.policy.log.store != "sqlite":
        try:
            return open_store(loaded, readonly=True)
        except LedgerError as exc:
            raise CliError(str(exc)) from None
    if store:
        path = Path(os.path.expanduser(store))
        origin = "--store"
    else:
        assert loaded is not None
        path = loaded.policy.log.resolved_path()
        origin = f"log.path of the {'built-in default policy' if loaded.is_default else loaded.source}"
    if not path.exists():
        raise CliError(
            f"no processing log found at {path} (from {origin}); it is created when a notebook first logs "
            "an event. Set log.path in the privacy policy (see `jupyter-privacy policy show`) or pass "
            "--store FILE"
        )
    try:
        return SqliteLedgerStore(path, readonly=True)
    except LedgerError as exc:
        raise CliError(str(exc)) from None


def resolve_notebook(given: str, known: list[str]) -> str:
    """The stored notebook id for a path typed by the user (see the module docstring of ``log``)."""
    absolute = os.path.abspath(os.path.expanduser(given))
    if absolute in known:
        return absolute
    if given in known:
        return given
    suffix = os.path.normpath(given)
    while suffix.startswith("./"):
        suffix = suffix[2:]
    matches = [nb for nb in known if nb == suffix or nb.endswith((os.sep + suffix, "/" + suffix))]
    if len(matches) == 1:
        return matches[0]
    if not known:
        raise CliError(f"notebook {given} has no records: the processing log is empty")
    shown = known[:20] + ([f"... ({len(known) - 20} more)"] if len(known) > 20 else [])
    if matches:
        raise CliError(f"notebook {given} is ambiguous; it matches: {', '.join(matches)}")
    raise CliError(
        f"notebook {given} (looked for {absolute}) has no records; known notebooks: {', '.join(shown)}"
    )


def run_verify(args: argparse.Namespace) -> int:
    store = _open(args)
    witness = witness_settings(args.checkpoints, args.public_key, _policy_log(bool(args.store)))
    try:
        if args.notebook:
            notebook = resolve_notebook(args.notebook, store.notebooks())
            reports = [verify_chain(store, notebook)]
        else:
            reports = verify_all(store)
        findings = check_witness(store, witness)
        if args.notebook:
            findings = [f for f in findings if f.notebook == notebook]
    except LedgerError as exc:
        raise CliError(str(exc)) from None
    finally:
        store.close()
    ok = all(r.ok for r in reports) and not any(f.tampered for f in findings)
    if args.format == "json":
        out = {"store": store.location, "ok": ok, "chains": [r.to_dict() for r in reports]}
        if witness is not None:
            out["witness"] = [f.to_dict() for f in findings]
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        if not reports:
            print(f"no notebooks recorded in {store.location}", file=sys.stderr)
        for report in reports:
            print(report.summary())
        for finding in findings:
            if finding.kind != "signed":
                print(finding.summary())
    return 0 if ok else 1


def _policy_log(explicit_store: bool) -> Any | None:
    """The policy's log settings; with --store, an unloadable policy only means no witness settings."""
    try:
        return load_policy().policy.log
    except PolicyError:
        if explicit_store:
            return None
        raise


def run_log(args: argparse.Namespace) -> int:
    if args.action == "init-db":
        from .init_db_cmd import run_init_db

        return run_init_db(args)
    if not args.notebook:
        raise CliError("give the notebook whose records to print: jupyter-privacy log --notebook PATH")
    store = _open(args)
    damaged: list[str] = []
    try:
        notebook = resolve_notebook(args.notebook, store.notebooks())
        records = _readable_records(store, notebook, damaged)
        if args.format == "jsonl":
            for record in records:
                sys.stdout.write(record.to_json() + "\n")
        else:
            _print_table(records, notebook)
    except LedgerError as exc:
        raise CliError(str(exc)) from None
    finally:
        store.close()
    for message in damaged:
        print(f"BROKEN  {message} (left out above; run `jupyter-privacy verify`)", file=sys.stderr)
    return 1 if damaged else 0


def _readable_records(store: LedgerStore, notebook: str, damaged: list[str]) -> Iterator[LedgerRecord]:
    """The records that can be read; a damaged row is skipped and its problem added to ``damaged``."""
    for raw in store.raw_records(notebook):
        try:
            yield parse_raw(raw, store.location)
        except LedgerError as exc:
            damaged.append(exc.what)


def _print_table(records: Iterable[LedgerRecord], notebook: str) -> None:
    rows = list(records)
    width = max([12, *(len(r.user or "-") for r in rows)])  # in full: users can share a long prefix
    print(f"notebook {notebook}")
    header = f"{'SEQ':>5}  {'TS':<27}  {'EVENT':<17}  {'EXEC':>4}  {'USER':<{width}}  {'HASH':<12}  PAYLOAD"
    print(header)
    for r in rows:
        payload = canonical_json(r.payload).decode("utf-8")
        if len(payload) > 60:
            payload = payload[:59] + "…"
        ec = "" if r.execution_count is None else str(r.execution_count)
        user = r.user or "-"
        print(
            f"{r.seq:>5}  {r.ts:<27}  {r.event:<17}  {ec:>4}  {user:<{width}}  {r.hash[:12]:<12}  {payload}"
        )
