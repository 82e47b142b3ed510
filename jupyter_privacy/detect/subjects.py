"""Whose rows are these? A table-level verdict: rows describe people, or things and aggregates.

GDPR covers data about an identifiable person. A health word over monthly counts, the ``age`` of a
volcano or the ``Sex`` of a hawk is not personal data, while the same headers in a survey are. The
verdict weighs evidence from the whole frame (column headers and what the classifier found in each
column) and says which evidence decided, in words that never include a cell value:

- people: a column holding e-mail addresses, phone numbers, national ids or person names; a header
  naming a person role (patient, respondent, Mitarbeiter, klant); attributes only people have
  (gender, age, occupation, income, marital status, a special-category column).
- things: a key column of country or region names (one row per country); a count column over a few
  categorical columns (an aggregate cross-table); headers naming animals' bodies, vehicles, products,
  buildings, economies.

``unknown`` when neither side has enough: the classifier's own column rules then apply unchanged.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import pandas as pd
import yaml

from .context import flag_in_context
from .findings import ColumnFinding, TableVerdict
from .headers import header_tokens
from .names import name_evidence
from .profile import ColumnProfile
from .text import PhraseSet, fold, tokens

PEOPLE, THINGS, UNKNOWN = "people", "things", "unknown"
# a side needs this much evidence, and more than the other side, to decide
DECIDES = 2.0
# recogniser entities that belong to a person wherever they occur (addresses of homes do not)
PERSONAL_ENTITIES = frozenset(
    {"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "MAC_ADDRESS", "US_SSN",
     "UK_NHS", "UK_NINO", "NL_BSN", "FR_NIR", "DE_TAX_ID", "ES_NIF", "IT_FISCAL_CODE", "PL_PESEL"}
)  # fmt: skip
PERSON_ATTRIBUTE_ENTITIES = frozenset({"GENDER", "AGE", "DATE_OF_BIRTH", "MARITAL_STATUS", "NATIONALITY"})
KEY_SAMPLE = 60  # distinct values of a candidate key column checked against the place names
NAME_SAMPLE = 100  # distinct values of a name column checked against the name lists
PLACE_SOURCES = ("en_US", "en_GB", "nl_NL", "de_DE", "fr_FR", "es_ES", "it_IT", "pt_PT", "pl_PL", "sv_SE")


@dataclass(frozen=True)
class _Lexicon:
    roles: PhraseSet
    attributes: PhraseSet
    things: PhraseSet
    counts: frozenset[str]


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    raw: dict[str, Any] = yaml.load(
        resources.files("jupyter_privacy.detect").joinpath("data/subjects.yaml").read_text("utf-8"),
        Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader),
    )

    return _Lexicon(
        roles=PhraseSet(raw["person_roles"]),
        attributes=PhraseSet(raw["person_attributes"]),
        things=PhraseSet(raw["thing_words"]),
        counts=frozenset(fold(w) for w in raw["count_words"]),
    )


@lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    """Country names in several languages, and the states and provinces of a few countries."""
    out: set[str] = set()
    for locale in PLACE_SOURCES:
        try:
            provider = importlib.import_module(f"faker.providers.address.{locale}").Provider
        except ImportError:
            continue
        for attr in ("countries", "states", "provinces", "regions"):
            out.update(_place_key(str(p)) for p in getattr(provider, attr, ()) or ())
    out.update(
        ("usa", "us", "uk", "united states of america", "great britain", "england", "scotland", "wales")
    )
    return frozenset(out)


def _place_key(text: str) -> str:
    return " ".join(tokens(text.replace("_", " ")))


@dataclass
class _Tally:
    people: float = 0.0
    things: float = 0.0
    people_reasons: list[str] = field(default_factory=list)
    thing_reasons: list[str] = field(default_factory=list)

    def person(self, weight: float, reason: str) -> None:
        self.people += weight
        self.people_reasons.append(reason)

    def thing(self, weight: float, reason: str) -> None:
        self.things += weight
        self.thing_reasons.append(reason)


def table_subjects(profiles: Sequence[ColumnProfile], findings: Sequence[ColumnFinding]) -> TableVerdict:
    """Decide whether the rows of the profiled frame describe people or things, with reasons."""
    tally = _Tally()
    _identifier_evidence(tally, profiles, findings)
    _header_evidence(tally, profiles, findings)
    _key_column_evidence(tally, profiles)
    _aggregate_evidence(tally, profiles)
    if tally.people >= DECIDES and tally.people > tally.things:
        return TableVerdict(PEOPLE, tally.people_reasons)
    if tally.things >= DECIDES and tally.things > tally.people:
        return TableVerdict(THINGS, tally.thing_reasons)
    reasons = tally.people_reasons + tally.thing_reasons
    return TableVerdict(UNKNOWN, reasons or ["no column says whose rows these are"])


def _identifier_evidence(
    tally: _Tally, profiles: Sequence[ColumnProfile], findings: Sequence[ColumnFinding]
) -> None:
    for prof, f in zip(profiles, findings, strict=True):
        if f.rule == "recognizer" and set(f.entities) & PERSONAL_ENTITIES:
            tally.person(3, f"'{f.name}' holds {', '.join(f.entities)} values")
            return
        if (
            "PERSON" in f.entities
            and prof.kind == "text"
            and name_evidence(prof.counts, NAME_SAMPLE).known >= 0.5
        ):
            tally.person(2, f"'{f.name}' holds person names (given names and surnames)")
            return


def _header_evidence(
    tally: _Tally, profiles: Sequence[ColumnProfile], findings: Sequence[ColumnFinding]
) -> None:
    lex = _lexicon()
    role_seen = False
    attributes = things = 0.0
    for prof, f in zip(profiles, findings, strict=True):
        toks = header_tokens(prof.name)
        role = lex.roles.find(toks)
        if role and not role_seen:
            role_seen = True
            tally.person(2, f"header '{f.name}' names a person ('{role}')")
        attribute = lex.attributes.find(toks)
        flagged_attribute = f.flagged and (
            set(f.entities) & PERSON_ATTRIBUTE_ENTITIES or f.category == "special"
        )
        if (attribute or flagged_attribute) and attributes < 3:
            attributes += 1
            tally.person(1, f"'{f.name}' is an attribute of a person")
        thing = lex.things.find(toks)
        if thing and things < 4:
            things += 1
            tally.thing(1, f"header '{f.name}' describes an object, animal or economy ('{thing}')")


def _key_column_evidence(tally: _Tally, profiles: Sequence[ColumnProfile]) -> None:
    """One row per country or region: a text column of distinct place names."""
    places = place_names()
    for prof in profiles:
        if prof.kind != "text" or prof.distinct < 5 or prof.distinct_ratio < 0.9:
            continue
        if prof.digit_share > 0.2 or prof.mean_words > 4:
            continue
        keys = [_place_key(str(v)) for v in prof.counts.index[:KEY_SAMPLE]]
        share = sum(k in places for k in keys) / len(keys)
        if share >= 0.6:
            tally.thing(4, f"'{prof.label}' names a different country or region on every row")
            return


def _aggregate_evidence(tally: _Tally, profiles: Sequence[ColumnProfile]) -> None:
    """A count column over a few categorical columns: each row is a cell of a cross-table."""
    counts = _lexicon().counts
    count_cols = [
        p
        for p in profiles
        if p.kind == "integer" and p.num_min is not None and p.num_min >= 0
        and set(header_tokens(p.name)) & counts
    ]  # fmt: skip
    if not count_cols:
        return
    others = [p for p in profiles if p not in count_cols and not _is_row_number(p)]
    if not others or any(p.distinct > 20 or p.kind in ("numeric", "empty") for p in others):
        return
    cells = 1
    for p in others:
        cells *= max(p.distinct, 1)
    rows = max((p.non_null for p in profiles), default=0)
    if rows <= cells:
        tally.thing(
            4, f"'{count_cols[0].label}' counts rows per combination of the other columns: an aggregate table"
        )


def _is_row_number(p: ColumnProfile) -> bool:
    """A running row id (1, 2, 3, ...): says nothing about the rows."""
    if p.kind != "integer" or p.distinct_ratio < 0.99:
        return False
    values = pd.to_numeric(pd.Series(list(p.counts.index)), errors="coerce")
    return bool(values.notna().all())


# -- weighing the findings by the verdict ----------------------------------------------------------

_ADDRESS_SHAPE = re.compile(r"(?=.*\d)(?=.*[^\W\d_]{2,})")


def judge_table(pairs: Sequence[tuple[ColumnProfile, ColumnFinding]]) -> TableVerdict:
    """The table verdict, applied to the findings (in place).

    In a table of things, only columns whose *values* are about people stay flagged: contacts found by
    a recogniser, person names from the name lists, street addresses (of a home, say). In a table of
    people, Art. 9 data that only the context reveals is flagged (:mod:`.context`).
    """
    verdict = table_subjects([p for p, _ in pairs], [f for _, f in pairs])
    if verdict.subjects == THINGS:
        for prof, f in pairs:
            if f.flagged and not _about_a_person(prof, f):
                what = ", ".join(f.entities) or f.category
                f.category, f.entities, f.special_category, f.score, f.coverage = "none", [], None, 0.0, None
                f.rule = None
                f.reasons.append(
                    f"{what} dropped: the rows describe things, not people ({verdict.reasons[0]})"
                )
    elif verdict.subjects == PEOPLE:
        flag_in_context(pairs)
    return verdict


def _about_a_person(prof: ColumnProfile, f: ColumnFinding) -> bool:
    if f.category == "direct" and f.rule in ("recognizer", "free-text", "fail-closed"):
        return True
    if "PERSON" in f.entities:
        return prof.kind == "text" and name_evidence(prof.counts, NAME_SAMPLE).known >= 0.5
    if "STREET_ADDRESS" in f.entities and prof.kind == "text":
        return prof.share(prof.values.str.match(_ADDRESS_SHAPE)) >= 0.6
    return False
