"""Art. 9 data that only the table around a column reveals (``rule: context``).

Applied to columns no other rule flagged, and only in tables whose rows are people
(:mod:`.subjects`): there a yes/no column called ``union`` is trade-union membership, ``black`` an
ethnicity flag, ``Infection`` a diagnosis, ``party`` holding D/R a party affiliation, ``SysBP`` a
clinical measurement, and a ``result`` of positive/negative in a table about patients a test result.
In a table of countries or of counts the same headers are not about anyone.

The header words live in ``data/context.yaml`` (en, nl, de, fr, es, it; some pt, pl, sv).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from .findings import ColumnFinding
from .headers import cancels, header_tokens, match_header
from .names import is_known_surname, name_evidence
from .profile import BOOL_TOKENS, ColumnProfile
from .text import PhraseSet, fold, tokens

SHORT_CODES = 12  # at most this many distinct values make a code set (flags, letters, categories)
MAX_SCALE = 100  # ratings of a person: 0-10 scales up to 0-100 feeling thermometers


@dataclass(frozen=True)
class _Lexicon:
    flags: tuple[tuple[str, PhraseSet], ...]
    numeric_ok: frozenset[str]
    text_only: frozenset[str]
    measurements: PhraseSet
    results: PhraseSet
    result_values: frozenset[str]
    medical: PhraseSet


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    raw: dict[str, Any] = yaml.load(
        resources.files("jupyter_privacy.detect").joinpath("data/context.yaml").read_text("utf-8"),
        Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader),
    )

    return _Lexicon(
        flags=tuple((concept, PhraseSet(words)) for concept, words in raw["flags"].items()),
        numeric_ok=frozenset(raw["numeric_ok"]),
        text_only=frozenset(raw["text_only"]),
        measurements=PhraseSet(raw["measurements"]),
        results=PhraseSet(raw["results"]),
        result_values=frozenset(" ".join(tokens(v)) for v in raw["result_values"]),
        medical=PhraseSet(raw["medical_context"]),
    )


def flag_in_context(pairs: Sequence[tuple[ColumnProfile, ColumnFinding]]) -> None:
    """Flag Art. 9 columns of a people table that only the context reveals (in place)."""
    lex = _lexicon()
    medical = any(lex.medical.find(header_tokens(p.name)) for p, _ in pairs)
    political = any(f.special_category == "POLITICAL_OPINION" for _, f in pairs)
    for prof, f in pairs:
        if f.flagged or prof.kind == "empty":
            continue
        toks = header_tokens(prof.name)
        if _flag(f, prof, toks, lex) or _measurement(f, prof, toks, lex):
            political = political or f.special_category == "POLITICAL_OPINION"
            continue
        if medical and _result(f, prof, toks, lex):
            continue
        _given_names(f, prof)
    if political:
        for prof, f in pairs:
            if not f.flagged:
                _rating_of_a_person(f, prof)


def _special(f: ColumnFinding, concept: str, score: float, reason: str) -> None:
    f.category, f.entities, f.special_category = "special", [concept], concept
    f.score, f.coverage, f.rule = score, None, "context"
    f.reasons.append(reason)


def _codes(p: ColumnProfile) -> str | None:
    """What kind of short code set the values are, or None when they are not one."""
    if p.kind == "boolean":
        return "true/false flags"
    if p.distinct > SHORT_CODES or p.kind not in ("integer", "text"):
        return None
    values = {fold(str(v)).strip() for v in p.counts.index}
    if values <= BOOL_TOKENS:
        return "yes/no or 0/1 flags"
    if p.kind == "integer":
        return "numeric codes"
    if all(len(v) <= 2 for v in values):
        return "letter codes"
    return "short codes" if p.mean_words <= 4 else None


def _flag(f: ColumnFinding, p: ColumnProfile, toks: list[str], lex: _Lexicon) -> bool:
    for concept, words in lex.flags:
        word = words.find(toks)
        if word is None:
            continue
        codes = _codes(p)
        if concept in lex.text_only and (p.kind != "text" or codes is None):
            continue
        if codes is None and concept in lex.numeric_ok and p.kind in ("integer", "numeric"):
            codes = "numbers"
        if codes is None:
            continue
        _special(f, concept, 0.7, f"column name '{word}' ({concept}) over {codes}, in a table about people")
        return True
    return False


def _measurement(f: ColumnFinding, p: ColumnProfile, toks: list[str], lex: _Lexicon) -> bool:
    word = lex.measurements.find(toks)
    if word is None or p.kind not in ("integer", "numeric", "text") or p.numeric_share < 0.9:
        return False
    _special(f, "HEALTH", 0.7, f"column name '{word}' is a clinical measurement, in a table about people")
    return True


def _result(f: ColumnFinding, p: ColumnProfile, toks: list[str], lex: _Lexicon) -> bool:
    word = lex.results.find(toks)
    if word is None:
        return False
    if p.kind == "text":
        values = [" ".join(tokens(str(v))) for v in p.counts.index]
        share = sum(v in lex.result_values for v in values) / len(values)
        if share < 0.5:
            return False
        what = "positive/negative test results"
    elif p.kind in ("integer", "numeric"):
        what = "measured values"
    else:
        return False
    _special(f, "HEALTH", 0.7, f"column name '{word}' over {what}, in a table about patients or tests")
    return True


GIVEN_NAMES_SHARE = 0.6


def _given_names(f: ColumnFinding, p: ColumnProfile) -> None:
    """A column of first names only, in a table about people: a name is direct even without a surname."""
    if p.kind != "text" or p.distinct < 10 or p.mean_words > 1.3 or cancels(p.name, "PERSON"):
        return
    share = name_evidence(p.counts).given_only
    if share < GIVEN_NAMES_SHARE:
        return
    f.category, f.entities, f.score, f.coverage, f.rule = (
        "direct",
        ["PERSON"],
        0.5 + 0.4 * share,
        share,
        "name-list",
    )
    f.reasons.append(f"{share:.0%} of sampled values are given names, in a table about people")


def _rating_of_a_person(f: ColumnFinding, p: ColumnProfile) -> None:
    """A column named after a person (a surname) holding a rating scale, in a survey that asks about
    political opinions: respondents' ratings of politicians are political opinions."""
    label = str(p.name).strip()
    if not label[:1].isupper() or len(header_tokens(p.name)) != 1 or match_header(p.name):
        return
    if p.kind != "integer" or p.num_min is None or p.num_max is None:
        return
    if p.num_min < 0 or p.num_max > MAX_SCALE or p.distinct > 11 or not is_known_surname(label):
        return
    _special(
        f,
        "POLITICAL_OPINION",
        0.6,
        "a rating scale under a person's surname, in a survey with political opinions",
    )
