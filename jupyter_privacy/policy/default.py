"""The built-in default policy, in effect when no admin policy is installed.

It is deliberately restrictive and advisory: everything detected is masked (the category defaults:
direct -> pseudonymise, quasi -> generalise, special -> redact), no purpose exists so nothing can be
unmasked, and enforcement is ``warn``. Every surface reports that this default is in use.
"""

from __future__ import annotations

import hashlib
import json

from .model import Party, Policy

DEFAULT_SOURCE = "built-in default"
DEFAULT_CONTROLLER_NAME = "(not configured — built-in default policy)"


def default_policy() -> Policy:
    """A fresh copy of the built-in default policy."""
    return Policy(
        version=1,
        controller=Party(name=DEFAULT_CONTROLLER_NAME, contact="(not configured)"),
        enforcement="warn",
        purposes=[],
    )


def canonical_json(policy: Policy) -> bytes:
    """Canonical JSON bytes of a policy (sorted keys, no whitespace), used to hash the default."""
    return json.dumps(
        policy.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def default_policy_sha256() -> str:
    return hashlib.sha256(canonical_json(default_policy())).hexdigest()
