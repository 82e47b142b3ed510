"""``jupyter-privacy policy check FILE`` and ``jupyter-privacy policy show``.

Exit codes: 0 valid, 1 the policy has problems, 2 the file cannot be read. Output never contains key
material: only where the key comes from (env var name or key file path) and whether it is available.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from ..policy import LoadedPolicy, PolicyError, load_policy, policy_search_path
from ..policy.loader import ENV_POLICY_PATH, POLICY_FILENAME, PolicyLocation
from ..policy.model import KeySettings
from .policy_dry_run import add_arguments as add_dry_run_arguments
from .policy_dry_run import run_dry_run

DEFAULT_WARNING = (
    "NO ADMIN POLICY INSTALLED: the BUILT-IN DEFAULT policy is in effect (advisory mode 'warn'; everything "
    "detected is masked; no purposes are defined, so nothing can be unmasked). Install a policy as "
    f"/etc/jupyter/{POLICY_FILENAME} or set {ENV_POLICY_PATH}; see docs/admin-guide.md."
)


def add_parser(subparsers: Any) -> None:
    """Add the ``policy`` command with its ``check`` and ``show`` actions."""
    parser = subparsers.add_parser(
        "policy",
        help="check a policy file, or show the policy in effect",
        description="Validate admin policy files and show which policy is in effect.",
    )
    actions = parser.add_subparsers(dest="policy_action", metavar="ACTION")
    actions.required = True

    check = actions.add_parser(
        "check",
        help="validate a policy file",
        description="Validate a policy file and list every problem with its field path and a fix. "
        "Exit status: 0 valid, 1 invalid, 2 unreadable.",
    )
    check.add_argument("file", metavar="FILE", help="the policy YAML file to check")
    check.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    check.set_defaults(func=run_check)

    show = actions.add_parser(
        "show",
        help="show the policy in effect and where it comes from",
        description="Show which policy the kernel and server would use, from where, and its SHA-256. "
        "Exit status: 0 a policy is in effect (possibly the built-in default), 1 invalid, 2 unreadable.",
    )
    show.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    show.set_defaults(func=run_show)

    dry_run = actions.add_parser(
        "dry-run",
        help="what a new policy would change for what already ran",
        description="Replay a notebook's (or project's) logged events against a new policy and list what "
        "would go differently: purpose declarations and unmask grants it would refuse, columns it would "
        "mask differently, models whose purpose it no longer has. Read-only. "
        "Exit status: 0 nothing would change, 1 changes listed, 2 error.",
    )
    add_dry_run_arguments(dry_run)
    dry_run.set_defaults(func=run_dry_run)


def run_check(args: argparse.Namespace) -> int:
    try:
        loaded = load_policy(args.file)
    except PolicyError as exc:
        return _report_error(exc, args.format, {"file": args.file})
    policy = loaded.policy
    if args.format == "json":
        _print_json(
            {
                "file": args.file,
                "valid": True,
                "sha256": loaded.sha256,
                "enforcement": policy.enforcement,
                "purposes": [p.id for p in policy.purposes],
                "problems": [],
            }
        )
    else:
        n = len(policy.purposes)
        print(
            f"OK: {args.file} (sha256 {loaded.sha256}, {n} purpose{'s' if n != 1 else ''}, "
            f"enforcement {policy.enforcement})"
        )
    return 0


def run_show(args: argparse.Namespace) -> int:
    locations = policy_search_path()
    try:
        loaded = load_policy()
    except PolicyError as exc:
        return _report_error(exc, args.format, {"searched": [_location_json(loc) for loc in locations]})
    if args.format == "json":
        _print_json(
            {
                "source": loaded.source,
                "origin": loaded.origin,
                "is_default": loaded.is_default,
                "sha256": loaded.sha256,
                "warning": DEFAULT_WARNING if loaded.is_default else None,
                "searched": [_location_json(loc) for loc in locations],
                "key": _key_status(loaded.policy.key),
                "policy": loaded.policy.model_dump(mode="json"),
            }
        )
    else:
        print(_show_text(loaded, locations))
    return 0


def _report_error(exc: PolicyError, fmt: str, extra: dict[str, Any]) -> int:
    code = 2 if exc.unreadable else 1
    if fmt == "json":
        _print_json(
            {
                **extra,
                "source": exc.source,
                "valid": False,
                "readable": not exc.unreadable,
                "problems": [
                    {"path": p.path, "message": p.message, "hint": p.hint, "line": p.line, "column": p.column}
                    for p in exc.problems
                ],
            }
        )
    else:
        for problem in exc.problems:
            print(problem.format(exc.source))
        n = len(exc.problems)
        print(f"{exc.source}: {n} problem{'s' if n != 1 else ''}; the policy was not loaded")
    return code


def _key_status(key: KeySettings) -> dict[str, Any]:
    """Where the key comes from and whether it is available -- never the key itself."""
    if key.source == "env":
        available = bool(os.environ.get(key.env_var))
    else:
        resolved = key.resolved_file()
        available = resolved is not None and resolved.is_file() and os.access(resolved, os.R_OK)
    return {"source": key.source, "env_var": key.env_var, "file": key.file, "available": available}


def _location_json(loc: PolicyLocation) -> dict[str, Any]:
    return {"path": str(loc.path), "origin": loc.origin, "considered": loc.considered, "exists": loc.exists}


def _show_text(loaded: LoadedPolicy, locations: list[PolicyLocation]) -> str:
    policy = loaded.policy
    lines: list[str] = []
    if loaded.is_default:
        bar = "!" * 78
        lines += [bar, f"!!! {DEFAULT_WARNING}", bar, ""]
    lines.append(f"Policy in effect: {loaded.source}")
    rows: list[tuple[str, str]] = [("from", loaded.origin), ("sha256", loaded.sha256)]
    controller = policy.controller
    rows.append(("controller", f"{controller.name} <{controller.contact}>"))
    if policy.dpo is not None:
        rows.append(("dpo", f"{policy.dpo.name} <{policy.dpo.contact}>"))
    rows.append(("enforcement", policy.enforcement))
    purposes = "; ".join(f"{p.id} ({', '.join(p.lawful_bases)})" for p in policy.purposes)
    rows.append(("purposes", f"{len(policy.purposes)}" + (f": {purposes}" if purposes else "")))
    interception = policy.interception
    rows.append(
        ("interception", f"on ({', '.join(interception.readers)})" if interception.enabled else "off")
    )
    rows.append(("log", f"{policy.log.store} at {policy.log.resolved_path()}"))
    key = _key_status(policy.key)
    where = f"env var {key['env_var']}" if key["source"] == "env" else f"file {key['file']}"
    rows.append(("key", f"{where} ({'available' if key['available'] else 'NOT available'})"))
    lines += [f"  {name + ':':<14}{value}" for name, value in rows]
    lines += ["", "Locations searched, in order:"]
    for loc in locations:
        if not loc.considered:
            state = "ignored" if loc.exists else "not used"
        elif not loc.exists:
            state = "missing"
        else:
            state = "USED" if str(loc.path) == loaded.source else "shadowed"
        lines.append(f"  [{state:<8}] {loc.path}  ({loc.origin})")
    return "\n".join(lines)


def _print_json(data: dict[str, Any]) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))
