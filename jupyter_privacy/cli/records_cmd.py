"""``jupyter-privacy export``, ``lineage`` and ``erasure``: records built from the processing log.

All three open the log read-only and never append to it (the CLI is the DPO's reading tool; a
``record_exported`` event is logged only by ``%privacy_export`` in a kernel, where the export is part of
the notebook's own processing). ``export`` exits 0 when every chain verified, 1 when the log failed
verification (the record is still written, with the warning in it), 2 on errors, 3 when the log holds
no processing for the notebooks (the record is written and says so). ``export`` follows notebook renames
recorded by the server (``--aliases``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..ledger import LedgerError, LedgerStore
from ..mask.keys import MissingKeyError, load_key
from ..policy import LoadedPolicy, PolicyError, load_policy
from ..records.aliases import AliasMap
from ..records.dpo_filter import RecordFilter, parse_time, processed_by
from ..records.witness_report import apply_witness, witnessed_notebooks
from .errors import CliError
from .ledger_cmd import open_log, resolve_notebook
from .notebook_names import Scope, load_aliases, notebook_scope, project_scope, renamed_to


def add_parser(subparsers: Any) -> None:
    """Add the ``export``, ``lineage`` and ``erasure`` commands."""
    export = subparsers.add_parser(
        "export",
        help="the Article 30 record of processing of a notebook or project",
        description="Build the GDPR Art. 30 record of processing activities from the processing log (what "
        "actually ran) and the privacy policy, with every hash chain verified. Read-only: nothing is "
        "written to the log. A notebook renamed in JupyterLab is found under its new name. Exit status: 0 log "
        "intact, 1 log failed verification, 2 error, 3 no processing recorded for the notebooks.",
    )
    scope = export.add_mutually_exclusive_group(required=True)
    scope.add_argument("--notebook", metavar="PATH", help="one notebook (a unique suffix of its path works)")
    scope.add_argument("--project", metavar="DIR", help="every notebook in the log whose path is under DIR")
    scope.add_argument(
        "--all", action="store_true", help="every notebook in the log (the DPO's view of a team log)"
    )
    _filters(export)
    export.add_argument("--format", choices=("json", "csv", "html"), default="html", help="default: html")
    export.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")
    export.add_argument(
        "--aliases",
        metavar="FILE",
        help="the server's notebook rename file (c.JupyterPrivacy.alias_path; default: "
        "{jupyter data dir}/jupyter-privacy/notebook-aliases.json)",
    )
    _common(export)
    export.set_defaults(func=run_export)

    lineage = subparsers.add_parser(
        "lineage",
        help="OpenLineage run events of a notebook",
        description="Turn a notebook's processing log into OpenLineage (spec 2-0-2) run events: a parent run "
        "for the notebook, a run per cell with its input datasets, output files and models, schema, "
        "PII tags and column lineage (masking flag). Printed as JSONL, or sent through the openlineage-python "
        "client: --output (file transport), --url (http transport) or --client (the transport configured in "
        "openlineage.yml or OPENLINEAGE_URL, e.g. kafka).",
    )
    lineage.add_argument("--notebook", metavar="PATH", required=True)
    send = lineage.add_mutually_exclusive_group()
    send.add_argument("--output", metavar="FILE", help="append JSONL events to FILE (default: stdout)")
    send.add_argument("--url", metavar="URL", help="POST events to URL/api/v1/lineage instead")
    send.add_argument(
        "--client",
        action="store_true",
        help="send through the OpenLineage client's own configuration (openlineage.yml, OPENLINEAGE_URL)",
    )
    lineage.add_argument("--namespace", default="jupyter-privacy", help="OpenLineage job namespace")
    _common(lineage)
    lineage.set_defaults(func=run_lineage)

    erasure = subparsers.add_parser(
        "erasure",
        help="which datasets, cells, files and models held a person (Art. 17)",
        description="Look a person up by their identifiers in the keyed fingerprints of every dataset load, "
        "then follow the log to cells, unmask grants, output files and models. Needs the masking key (from "
        "the policy's key source). Keys: email, phone, name, address, bsn, ssn, nino, nhs, nir, pesel, nif, "
        "steuer_id, codice_fiscale, national_id, iban, card, ip, mac, employee_id, patient_id, or an entity "
        "type in capitals. Exit status: 0 searched (found or not), 2 error.",
    )
    erasure.add_argument(
        "--subject",
        metavar="KEY=VALUE",
        action="append",
        required=True,
        help="an identifier of the person, e.g. email=alice@example.com (repeatable)",
    )
    erasure.add_argument("--format", choices=("text", "json"), default="text")
    _filters(erasure)
    _common(erasure)
    erasure.set_defaults(func=run_erasure)


def _filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", action="append", default=[], help="only what this user did (repeatable)")
    parser.add_argument(
        "--purpose",
        action="append",
        default=[],
        help="only what ran under this declared purpose (repeatable)",
    )
    parser.add_argument(
        "--since", metavar="TIME", help="only records from TIME (2026-11-01 or ISO 8601, UTC)"
    )
    parser.add_argument(
        "--until", metavar="TIME", help="only records up to TIME (a date covers the whole day)"
    )


def _record_filter(args: argparse.Namespace) -> RecordFilter:
    try:
        return RecordFilter(
            frozenset(args.user),
            frozenset(args.purpose),
            parse_time(args.since) if args.since else None,
            parse_time(args.until, end_of_day=True) if args.until else None,
        )
    except ValueError as exc:
        raise CliError(str(exc)) from None


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", metavar="FILE", help="the ledger file (default: log.path of the policy)")
    parser.add_argument("--policy", metavar="FILE", help="the policy file (default: the policy in effect)")


def _policy(args: argparse.Namespace) -> LoadedPolicy:
    try:
        return load_policy(args.policy) if args.policy else load_policy()
    except PolicyError as exc:
        first = exc.problems[0].message if exc.problems else "invalid"
        raise CliError(f"cannot load the privacy policy {exc.source}: {first}") from None


def _store(args: argparse.Namespace, loaded: LoadedPolicy) -> LedgerStore:
    return open_log(args.store, loaded)


def _write(text: str, output: str | None) -> None:
    if output:
        try:
            Path(output).write_text(text, "utf-8")
        except OSError as exc:
            raise CliError(f"cannot write {output}: {exc.strerror or exc}") from None
        print(f"written to {output}", file=sys.stderr)
    else:
        sys.stdout.write(text)


def run_export(args: argparse.Namespace) -> int:
    from ..records.article30 import build_record, render

    loaded = _policy(args)
    store = _store(args, loaded)
    aliases = load_aliases(args.aliases)
    try:
        known = sorted(set(store.notebooks()) | set(witnessed_notebooks(loaded)))
        wanted = _record_filter(args)
        if args.notebook:
            scope = notebook_scope(args.notebook, known, aliases)
        elif args.all:
            scope = Scope(known, known, aliases)
        else:
            scope = project_scope(args.project, known, aliases)
            if not scope.chains:
                raise CliError(f"no notebook under {args.project} has records in {store.location}")
        belongs = None if args.all else scope.belongs()
        record = build_record(
            store, loaded, scope.chains, wanted.belongs(belongs) if wanted.active else belongs
        )
        processed_by(record)
        apply_witness(record, store, loaded, scope.chains)
    except LedgerError as exc:
        raise CliError(str(exc)) from None
    finally:
        store.close()
    text, _mime = render(record, args.format)
    _write(text, args.output)
    if not record["verification"]["ok"]:
        print(
            f"jupyter-privacy: WARNING: the processing log failed verification: {record['verification']['problem']}",
            file=sys.stderr,
        )
        return 1
    if not record["processing_recorded"]:
        print(f"jupyter-privacy: {_nothing_recorded(scope, aliases)}", file=sys.stderr)
        return 3
    return 0


def _nothing_recorded(scope: Scope, aliases: AliasMap) -> str:
    moved = [f"{nb} -> {now}" for nb in scope.notebooks if (now := renamed_to(nb, aliases))]
    renamed = f" Renamed since: {'; '.join(moved)} (export the new name)." if moved else ""
    return (
        f"NO PROCESSING RECORDED for {', '.join(scope.notebooks)} in the processing log: the record "
        f"documents nothing.{renamed}"
    )


def run_lineage(args: argparse.Namespace) -> int:
    from ..records.openlineage import chain_events
    from ..records.openlineage_client import LineageError, emit, secret_variables, transport_config

    loaded = _policy(args)
    store = _store(args, loaded)
    try:
        notebook = resolve_notebook(args.notebook, store.notebooks())
        events = chain_events(store, notebook, namespace=args.namespace)
    finally:
        store.close()
    if not (args.url or args.output or args.client):
        for e in events:
            sys.stdout.write(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n")
        return 0
    kind, where = ("http", args.url) if args.url else ("file", args.output) if args.output else ("client", "")
    try:
        n = emit(
            events, transport_config(kind, file=args.output, url=args.url), secret_variables(loaded.policy)
        )
    except LineageError as exc:
        raise CliError(f"cannot send OpenLineage events{' to ' + where if where else ''}: {exc}") from None
    what = {"http": f"sent {n} events to {where}", "file": f"appended {n} events to {where}"}
    print(
        what.get(kind, f"sent {n} events through the OpenLineage client's configured transport"),
        file=sys.stderr,
    )
    return 0


def run_erasure(args: argparse.Namespace) -> int:
    from ..records.erasure import SubjectError, erasure_lookup, parse_subject, render_text
    from ..records.fingerprints import open_fingerprints

    try:
        subjects = [parse_subject(s) for s in args.subject]
    except SubjectError as exc:
        raise CliError(str(exc)) from None
    loaded = _policy(args)
    try:
        key = load_key(loaded.policy)
    except MissingKeyError as exc:
        raise CliError(f"the erasure look-up needs the masking key: {exc}") from None
    store = _store(args, loaded)
    try:
        fps = open_fingerprints(store, readonly=True)  # the SQLite sidecar, or the team database
    except LedgerError as exc:
        store.close()
        raise CliError(str(exc)) from None
    try:
        result = erasure_lookup(store, fps, key, subjects)
        wanted = _record_filter(args)
        if wanted.active:
            _keep_wanted(result, store, wanted)
    except LedgerError as exc:
        raise CliError(str(exc)) from None
    finally:
        store.close()
        if fps is not None:
            fps.close()
    if args.format == "json":
        sys.stdout.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(render_text(result))
    return 0


def _keep_wanted(result: dict[str, Any], store: LedgerStore, wanted: RecordFilter) -> None:
    """Keep the answer's entries whose records pass the DPO's filters, as ``export`` does (``--purpose``:
    the purpose declared in the record's own kernel session); found when any processing is left."""
    keep = wanted.belongs()
    kept = {(nb, r.seq) for nb in store.notebooks() for r in store.records(nb) if keep(nb, r)}
    for part in ("datasets", "unmask", "outputs", "models", "cells", "unsearchable_loads"):
        result[part] = [e for e in result[part] if (e["notebook"], e["seq"]) in kept]
    result["found"] = any(result[part] for part in ("datasets", "unmask", "outputs", "models"))
