"""The purpose gate: may the declared purpose see these columns raw?

Engine-neutral: it judges column findings (from the pandas or the Spark path alike) against the
declared purpose and returns a refusal reason or ``None``. It checks EVERY entity of a column (a free-text
column holding e-mail addresses and phone numbers needs both allowed), each under its own category, and
the Art. 9 category and condition of every special-category entity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, get_args

from ..detect.findings import ColumnFinding
from ..policy.model import SPECIAL_CATEGORIES, Art9Condition, LawfulBasis
from .errors import PurposeError

if TYPE_CHECKING:
    from ..policy import Policy, Purpose


LAWFUL_BASES: frozenset[str] = frozenset(get_args(LawfulBasis))
ART9_CONDITIONS: frozenset[str] = frozenset(get_args(Art9Condition))


@dataclass(frozen=True)
class Need:
    """One thing a column holds that the purpose must allow: an entity, its category, its Art. 9 class."""

    entity: str
    category: str
    special_category: str | None


@lru_cache(maxsize=1)
def _builtin_categories() -> dict[str, str]:
    from ..detect.recognizers import builtin_recognizers

    return {r.entity: r.category for r in builtin_recognizers()}


def _entity_classes(policy: Policy) -> dict[str, tuple[str, str | None]]:
    """entity -> (category, Art. 9 category) as the detector reports them (built-ins, then the policy's)."""
    classes: dict[str, tuple[str, str | None]] = {e: (c, None) for e, c in _builtin_categories().items()}
    for special in SPECIAL_CATEGORIES:
        classes[special] = ("special", special)
    for spec in policy.detection.custom_recognizers:
        classes[spec.entity] = (spec.category, spec.special_category)
    return classes


def needs(finding: ColumnFinding, policy: Policy) -> list[Need]:
    """Everything a flagged column holds, one :class:`Need` per entity.

    A structured column's (first) entity carries the column's own classification; the entities found
    inside free text each carry their recogniser's category (a patient number in a note is special).
    """
    if not finding.flagged:
        return []
    entities = finding.entities or [finding.category.upper()]
    classes = _entity_classes(policy)
    out: list[Need] = []
    for i, entity in enumerate(entities):
        if i == 0 and not finding.free_text:
            category, art9 = finding.category, finding.special_category
        else:
            category, art9 = classes.get(entity, (finding.category, finding.special_category))
        if category == "special" and art9 is None:
            art9 = entity if entity in SPECIAL_CATEGORIES else finding.special_category
        out.append(Need(entity, category, art9 if category == "special" else None))
    return out


def _missing(purpose: Purpose, column_needs: list[Need]) -> list[Need]:
    return [n for n in column_needs if not purpose.may_unmask(n.entity, n.category, n.special_category)]


def _describe(missing: list[Need]) -> str:
    by_category: dict[str, list[str]] = {}
    for need in missing:
        label = need.entity
        if need.special_category and need.special_category != need.entity:
            label = f"{need.entity} [{need.special_category}]"
        by_category.setdefault(need.category, []).append(label)
    return "; ".join(f"{category}: {', '.join(labels)}" for category, labels in by_category.items())


def _allowed(purpose: Purpose) -> str:
    parts = []
    if purpose.unmask.entities:
        parts.append("entities " + ", ".join(purpose.unmask.entities))
    if purpose.unmask.categories:
        parts.append("categories " + ", ".join(purpose.unmask.categories))
    return " and ".join(parts) or "nothing"


def refusal(
    policy: Policy,
    purpose: Purpose,
    art9_condition: str | None,
    columns: Sequence[tuple[str, ColumnFinding]],
) -> str | None:
    """Why ``purpose`` may not see ``columns`` (name, finding) raw, or ``None`` if it may see them all."""
    blocked: list[str] = []
    art9_needed: list[str] = []
    for name, finding in columns:
        column_needs = needs(finding, policy)
        missing = _missing(purpose, column_needs)
        if missing:
            blocked.append(f"{name} ({_describe(missing)})")
            continue
        specials = sorted({n.special_category or n.entity for n in column_needs if n.category == "special"})
        if specials and art9_condition is None:
            art9_needed.append(f"{name} is a special category ({', '.join(specials)})")
    if blocked:
        return (
            f"purpose {purpose.id!r} does not allow raw access to: {'; '.join(blocked)} "
            f"(it allows {_allowed(purpose)})"
        )
    if art9_needed:
        condition = purpose.special_categories.art9_condition if purpose.special_categories else "?"
        return (
            f"column {'; column '.join(art9_needed)}; declare the purpose with its "
            f"Art. 9 condition (--art9 {condition})"
        )
    return None


class DeclarationRefused(PurposeError):
    """A purpose declaration the policy does not allow; ``record`` is its value-free log payload."""

    def __init__(self, message: str, kind: str, record: dict[str, Any]) -> None:
        super().__init__(message)
        self.record = {"refusal": kind, **record}


def check_declaration(
    policy: Policy,
    policy_source: str,
    purpose_id: str,
    basis: str | None,
    reference: str | None,
    art9: str | None,
) -> tuple[Purpose, str]:
    """The policy's purpose and the basis if the declaration is allowed exactly; else
    :class:`DeclarationRefused`.

    The log payload of a refusal names the purpose and basis only when they are the policy's own words,
    and never echoes a typed reference (it may be anything, even personal data).
    """
    purpose = policy.purpose(purpose_id)
    record: dict[str, Any] = {
        "purpose": purpose.id if purpose else None,
        "lawful_basis": basis if basis in LAWFUL_BASES else None,
        "reference_given": bool(reference),
        "art9_condition": art9 if art9 in ART9_CONDITIONS else None,
    }
    if purpose is None:
        known = ", ".join(p.id for p in policy.purposes) or "none (the policy defines no purposes)"
        raise DeclarationRefused(
            f"unknown purpose {purpose_id!r}; the policy ({policy_source}) defines: {known}",
            "unknown_purpose",
            record,
        )
    bases = ", ".join(purpose.lawful_bases)
    if not basis:
        raise DeclarationRefused(
            f"purpose {purpose.id!r} needs a lawful basis (--basis); allowed: {bases}", "no_basis", record
        )
    if basis not in purpose.lawful_bases:
        raise DeclarationRefused(
            f"lawful basis {basis!r} is not allowed for purpose {purpose.id!r}; allowed: {bases}",
            "basis_not_allowed",
            record,
        )
    _check_reference(purpose, reference, record)
    _check_art9(purpose, art9, record)
    return purpose, basis


def _check_reference(purpose: Purpose, reference: str | None, record: dict[str, Any]) -> None:
    rule = purpose.reference
    if rule is None:
        return
    what = rule.description or (f"matching {rule.pattern}" if rule.pattern else "from the registry")
    if not reference:
        raise DeclarationRefused(
            f"purpose {purpose.id!r} needs a reference to its assessment document (--ref): {what}",
            "no_reference",
            record,
        )
    if not rule.accepts(reference):
        raise DeclarationRefused(
            f"reference {reference!r} is not valid for purpose {purpose.id!r}: expected {what}",
            "reference_invalid",
            record,
        )


def _check_art9(purpose: Purpose, art9: str | None, record: dict[str, Any]) -> None:
    if art9 is None:
        return
    allowed = purpose.special_categories
    if allowed is None:
        raise DeclarationRefused(
            f"purpose {purpose.id!r} allows no special-category data, so no Art. 9 condition applies",
            "art9_not_applicable",
            record,
        )
    if art9 != allowed.art9_condition:
        raise DeclarationRefused(
            f"Art. 9 condition {art9!r} does not match purpose {purpose.id!r}, "
            f"which relies on {allowed.art9_condition!r}",
            "art9_mismatch",
            record,
        )
