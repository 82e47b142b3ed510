"""``jupyter-privacy policy dry-run NEW_POLICY --notebook NB | --project DIR``: what a new policy would change.

The logged events of the notebooks are replayed against the new policy (read-only; nothing is written):

* ``purpose`` -- a declared purpose the new policy no longer defines, or whose basis, reference or Art. 9
  condition it would refuse (the same check as ``%privacy_purpose``);
* ``grant`` -- an unmask grant the new policy's purpose gate would refuse (the same gate as
  ``%privacy_unmask``, on the findings logged with the load);
* ``masking`` -- a loaded column the new policy would mask with another strategy;
* ``model`` -- a model trained under a purpose the new policy no longer defines.

Exit status: 0 nothing would change, 1 changes listed, 2 error.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass, fields
from typing import Any

from ..detect.findings import ColumnFinding
from ..policy import LoadedPolicy, Policy, PolicyError, load_policy
from .errors import CliError

GENERALISED = ("DATE_OF_BIRTH", "POSTCODE", "UK_POSTCODE", "AGE", "GEO_COORDINATE")
"""Entities with a generalisation hierarchy; others fall back to pseudonyms (see mask/frame.py)."""


@dataclass(frozen=True)
class Change:
    """One thing that ran under the current policy and would go differently under the new one."""

    kind: str  # purpose | grant | masking | model
    notebook: str
    seq: int
    cell_id: str | None
    execution_count: int | None
    what: str
    why: str
    user: str | None = None  # who ran it (two users' notebooks of one path can share a chain)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of the ``dry-run`` action (added by :mod:`.policy_cmd`)."""
    parser.add_argument("new_policy", metavar="NEW_POLICY", help="the policy file to try")
    scope = parser.add_mutually_exclusive_group(required=True)
    scope.add_argument("--notebook", metavar="PATH", help="one notebook (a unique suffix of its path works)")
    scope.add_argument("--project", metavar="DIR", help="every notebook in the log under DIR")
    parser.add_argument("--store", metavar="FILE", help="the ledger file (default: log.path of the policy)")
    parser.add_argument("--policy", metavar="FILE", help="the current policy (default: the policy in effect)")
    parser.add_argument("--aliases", metavar="FILE", help="the server's notebook rename file")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run_dry_run(args: argparse.Namespace) -> int:
    from ..ledger import LedgerError
    from .notebook_names import load_aliases, notebook_scope, project_scope
    from .records_cmd import _policy, _store

    try:
        new = load_policy(args.new_policy)
    except PolicyError as exc:
        first = exc.problems[0].message if exc.problems else "invalid"
        raise CliError(
            f"cannot load the new policy {exc.source}: {first} (run `policy check` on it)"
        ) from None
    current = _policy(args)
    store = _store(args, current)
    aliases = load_aliases(args.aliases)
    try:
        known = store.notebooks()
        scope = (
            notebook_scope(args.notebook, known, aliases)
            if args.notebook
            else project_scope(args.project, known, aliases)
        )
        if not scope.chains:
            raise CliError(f"no notebook under {args.project} has records in {store.location}")
        belongs = scope.belongs()
        changes = [
            change
            for chain in scope.chains
            for change in replay(chain, [r for r in store.records(chain) if belongs(chain, r)], new)
        ]
    except LedgerError as exc:
        raise CliError(str(exc)) from None
    finally:
        store.close()
    _print(changes, current, new, args.format)
    return 1 if changes else 0


def replay(notebook: str, records: list[Any], new: LoadedPolicy) -> list[Change]:
    """The changes the new policy would make to what ``records`` (one chain, in order) show happened."""
    findings: dict[str, dict[str, ColumnFinding]] = {}
    changes: list[Change] = []
    seen: set[tuple[str, str, str | None]] = set()

    def add(kind: str, r: Any, what: str, why: str) -> None:
        if (kind, what + why, r.user) not in seen:  # the same file loaded twice is one change (per user)
            seen.add((kind, what + why, r.user))
            changes.append(Change(kind, notebook, r.seq, r.cell_id, r.execution_count, what, why, r.user))

    for r in records:
        p = r.payload if isinstance(r.payload, dict) else {}
        if r.event == "dataset_loaded":
            findings[str(p.get("dataset"))] = {
                str(f.get("name")): _finding(f) for f in p.get("findings") or [] if isinstance(f, dict)
            }
            for what, how in _masking_changes(p, new.policy):
                add("masking", r, what, how)
        elif r.event == "purpose_declared":
            refused = _declaration_refused(p, new)
            if refused:
                add("purpose", r, f"purpose {p.get('purpose')} ({p.get('lawful_basis')})", refused)
        elif r.event == "unmask_granted":
            denied = _grant_refused(p, findings.get(str(p.get("dataset")), {}), new)
            if denied:
                columns = ", ".join(str(c.get("name")) for c in p.get("columns") or [])
                add("grant", r, f"unmask of {columns} in {p.get('dataset')} under {p.get('purpose')}", denied)
        elif (
            r.event == "model_trained" and p.get("purpose") and new.policy.purpose(str(p["purpose"])) is None
        ):
            add(
                "model",
                r,
                f"model {p.get('model_class')} ({p.get('variable')}) trained under {p['purpose']}",
                f"the new policy has no purpose {p['purpose']!r}",
            )
    return changes


def _finding(data: dict[str, Any]) -> ColumnFinding:
    known = {f.name for f in fields(ColumnFinding)}
    return ColumnFinding(**{k: v for k, v in data.items() if k in known})


def _declaration_refused(p: dict[str, Any], new: LoadedPolicy) -> str | None:
    # the kernel package (IPython) loads only for a dry run, not with every command of the CLI
    from ..kernel.gate import DeclarationRefused, check_declaration

    try:
        check_declaration(
            new.policy,
            new.source,
            str(p.get("purpose")),
            p.get("lawful_basis"),
            p.get("reference"),
            p.get("art9_condition"),
        )
    except DeclarationRefused as exc:
        return str(exc)
    return None


def _grant_refused(p: dict[str, Any], findings: dict[str, ColumnFinding], new: LoadedPolicy) -> str | None:
    """Why the new policy would refuse a logged grant: its purpose (with the basis, reference and Art. 9
    condition it was granted under) could not be declared, or the columns may not be unmasked for it."""
    from ..kernel.gate import refusal

    policy = new.policy
    purpose = policy.purpose(str(p.get("purpose")))
    if purpose is None:
        return f"the new policy has no purpose {p.get('purpose')!r}"
    undeclarable = _declaration_refused(p, new)
    if undeclarable:
        return f"granted under a declaration the new policy refuses: {undeclarable}"
    columns = []
    for c in p.get("columns") or []:
        name = str(c.get("name"))
        logged = ColumnFinding(name, "", c.get("category") or "none", list(c.get("entities") or []))
        columns.append((name, findings.get(name, logged)))
    return refusal(policy, purpose, p.get("art9_condition"), columns)


def _masking_changes(p: dict[str, Any], policy: Policy) -> list[tuple[str, str]]:
    out = []
    for col in (p.get("masking") or {}).get("columns") or []:
        old = col.get("strategy")
        if old == "free_text":
            continue  # free text is masked span by span whatever the rules say
        entities = col.get("entities") or []
        entity = entities[0] if entities else None
        rule = policy.masking.rule_for(entity, col.get("category"))
        new = rule.strategy
        if new == "generalise" and entity not in GENERALISED:
            new = "pseudonymise"
        if new != old:
            out.append((f"column {col.get('column')} of {p.get('dataset')} ({entity})", f"{old} -> {new}"))
    return out


def _print(changes: list[Change], current: LoadedPolicy, new: LoadedPolicy, fmt: str) -> None:
    if fmt == "json":
        body = {
            "current_policy": current.source,
            "new_policy": new.source,
            "changes": [asdict(c) for c in changes],
        }
        sys.stdout.write(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
        return
    print(f"Dry run of {new.source} against the processing log (current policy {current.source}):")
    if not changes:
        print("nothing that ran would go differently under the new policy.")
    for kind, title in (
        ("purpose", "Purpose declarations the new policy would refuse"),
        ("grant", "Unmask grants the new policy would refuse"),
        ("masking", "Columns the new policy would mask differently"),
        ("model", "Models whose purpose the new policy no longer has"),
    ):
        mine = [c for c in changes if c.kind == kind]
        if mine:
            print(f"{title} ({len(mine)}):")
        for c in mine:
            where = f"cell {c.cell_id} [{c.execution_count}]" if c.cell_id else f"record {c.seq}"
            where += f" by {c.user}" if c.user else ""
            print(f"  {c.notebook} {where}: {c.what}: {c.why}")
