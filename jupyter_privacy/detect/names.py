"""Person names as they occur in tables, recognised from maintained name data.

Given names and surnames come from Faker's person providers (dozens of locales, maintained upstream);
titles ("Miss.", "Dr", "Herr") and particles ("van der", "de", "von", "di") from ``nameparser``'s
constants. Formats handled: "Given Surname", "Surname, Given", "Surname, Title Given Middle",
initials ("J. de Vries"), and single given names or surnames when the column is known to hold names.

No spaCy model is needed. The lists are loaded once per process (about 0.2 s, measured in
``benchmarks/scan_speed.py``) and only when a column could hold names.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from .text import fold

# Latin-script locales of Faker's person providers: the markets the tool is used in and the
# origins of names common there
LOCALES = (
    "en_US", "en_GB", "en_IE", "en_IN", "en_NG", "en_KE", "en_PK", "en_NZ", "nl_NL", "nl_BE", "de_DE",
    "de_AT", "de_CH", "fr_FR", "fr_CA", "es_ES", "es_MX", "es_AR", "es_CO", "it_IT", "pt_PT", "pt_BR",
    "pl_PL", "sv_SE", "da_DK", "no_NO", "fi_FI", "is_IS", "cs_CZ", "sk_SK", "hu_HU", "ro_RO", "hr_HR",
    "sl_SI", "et_EE", "lt_LT", "lv_LV", "tr_TR", "az_AZ", "id_ID", "vi_VN", "yo_NG", "ig_NG", "ha_NG",
    "sw", "zu_ZA", "ga_IE", "tw_GH",
)  # fmt: skip
_GIVEN_ATTRS = ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary")
_SURNAME_ATTRS = ("last_names", "last_names_male", "last_names_female")
_LATIN_WORD = re.compile(r"^[a-z][a-z'\-]*$")
_INITIAL = re.compile(r"^[a-z]\.?$")
# a name token: letters (any script), apostrophes, hyphens, a trailing full stop for initials/titles
_TOKEN = re.compile(r"^[^\W\d_]+(?:['\u2019\-][^\W\d_]+)*\.?$")


# the company-suffix lists of these locales' Faker company providers ("GmbH", "Ltd", "and Sons")
COMPANY_LOCALES = (
    "en_US",
    "nl_NL",
    "de_DE",
    "fr_FR",
    "es_ES",
    "it_IT",
    "pt_PT",
    "pl_PL",
    "sv_SE",
    "da_DK",
    "fi_FI",
)
# words that join two people or firms ("Smith and Jones"); never inside one person's name
_JOINERS = frozenset({"and", "und", "&", "et", "en"})


@dataclass(frozen=True)
class NameData:
    given: frozenset[str]
    surnames: frozenset[str]
    titles: frozenset[str]
    particles: frozenset[str]
    not_names: frozenset[str]  # company suffixes and joiners: a value holding one is not a person


def _words(provider: object, attrs: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for attr in attrs:
        for name in getattr(provider, attr, ()) or ():
            for part in fold(str(name)).replace("-", " ").split():
                if _LATIN_WORD.match(part) and len(part) > 1:
                    out.add(part)
    return out


@lru_cache(maxsize=1)
def name_data() -> NameData:
    """The name lists, loaded once per process."""
    from nameparser.config import CONSTANTS

    given: set[str] = set()
    surnames: set[str] = set()
    for locale in LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        except ImportError:
            continue  # a locale dropped by a future Faker release
        given |= _words(provider, _GIVEN_ATTRS)
        surnames |= _words(provider, _SURNAME_ATTRS)
    titles = {fold(t).rstrip(".") for t in CONSTANTS.titles} | {
        "mr",
        "mrs",
        "ms",
        "miss",
        "master",
        "mme",
        "mlle",
    }
    particles = {fold(p) for p in CONSTANTS.prefixes} | {
        "van",
        "der",
        "den",
        "de",
        "von",
        "di",
        "da",
        "del",
        "la",
        "le",
        "ten",
        "ter",
    }
    not_names = set(_JOINERS)
    for locale in COMPANY_LOCALES:
        try:
            company = importlib.import_module(f"faker.providers.company.{locale}").Provider
        except ImportError:
            continue
        for suffix in getattr(company, "company_suffixes", ()):
            not_names.update(fold(w).strip(".") for w in str(suffix).split() if len(w.strip(".")) > 1)
    not_names -= given | surnames | particles
    return NameData(
        frozenset(given), frozenset(surnames), frozenset(titles), frozenset(particles), frozenset(not_names)
    )


@dataclass(frozen=True)
class NameShape:
    """What one value looks like as a person name."""

    is_name_shaped: bool  # 1-6 name tokens, no digits
    given: bool  # holds a known given name (outside the surname position)
    surname: bool  # holds a known surname in the surname position
    tokens: int  # name tokens (titles and particles left out)
    capitalised: bool


def name_shape(value: str) -> NameShape:
    """Parse ``value`` as a person name: "Given Surname", "Surname, [Title] Given", initials, particles."""
    data = name_data()
    text = value.strip()
    capitalised = text[:1].isupper() if text else False
    if "," in text:
        surname_part, _, rest = text.partition(",")
        if "," in rest:
            return NameShape(False, False, False, 0, capitalised)
        ordered = rest.split() + surname_part.split()
        surname_count = len(surname_part.split())
    else:
        ordered = text.split()
        surname_count = 1
    if not ordered or len(ordered) > 8 or not all(_TOKEN.match(t) for t in ordered):
        return NameShape(False, False, False, 0, capitalised)
    folded = [fold(t).rstrip(".") for t in ordered]
    if any(t in data.not_names for t in folded):
        return NameShape(False, False, False, 0, capitalised)
    core = [t for t in folded if t not in data.titles and t not in data.particles]
    if not core or len(core) > 6:
        return NameShape(False, False, False, 0, capitalised)
    # "de Vries, Anna": the surname's particles are not among the core words
    surname_count = max(1, surname_count - sum(t not in core for t in folded[len(folded) - surname_count :]))
    surname_tokens = core[-surname_count:] if len(core) > 1 else core
    given_tokens = core[: len(core) - len(surname_tokens)] if len(core) > 1 else core
    return NameShape(
        is_name_shaped=True,
        given=any(part in data.given for t in given_tokens if not _INITIAL.match(t) for part in t.split("-")),
        surname=any(part in data.surnames for t in surname_tokens for part in t.split("-")),
        tokens=len(core),
        capitalised=capitalised,
    )


@dataclass(frozen=True)
class NameEvidence:
    """Row-weighted shares of a column's values that look like person names."""

    shaped: float  # name-shaped values (letters, 1-6 tokens)
    known: float  # values with a known given name or surname
    full: float  # values with two or more tokens and both a known given name and a known surname
    given_only: float  # single-word values that are known given names
    capitalised: float  # name-shaped values that start with a capital


def name_evidence(counts: pd.Series, limit: int = 200) -> NameEvidence:
    """How much of a value-count series (value -> rows) looks like person names."""
    counts = counts.iloc[:limit]
    total = float(counts.sum())
    if not total:
        return NameEvidence(0.0, 0.0, 0.0, 0.0, 0.0)
    shaped = known = full = given_only = capitalised = 0.0
    for value, weight in zip(counts.index, counts.to_numpy(dtype=float), strict=True):
        shape = name_shape(str(value))
        if not shape.is_name_shaped:
            continue
        shaped += weight
        capitalised += weight if shape.capitalised else 0.0
        if shape.given or shape.surname:
            known += weight
        if shape.tokens >= 2 and shape.given and shape.surname:
            full += weight
        if shape.tokens == 1 and shape.given:
            given_only += weight
    return NameEvidence(shaped / total, known / total, full / total, given_only / total, capitalised / total)


def is_known_surname(word: str) -> bool:
    """Whether ``word`` (a column header, say) is a surname in the name lists."""
    return fold(word).strip() in name_data().surnames
