"""Column-name lexicon: what a header says about a column, in several languages.

The lexicon is data (``data/headers.yaml``); this module normalises header names and matches them.
A match is a :class:`HeaderHint` with a strength: 0.9 for a whole phrase ("date of birth"),
0.8 for a stem inside a compound ("geboortedatum"), 0.5 for an ambiguous ("weak") phrase that needs
the values to agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from .text import tokens

STRONG = 0.9
STEM = 0.8
WEAK = 0.5


@dataclass(frozen=True)
class HeaderHint:
    """A concept a column header points to."""

    concept: str
    category: str
    strength: float
    keyword: str


@dataclass(frozen=True)
class _Concept:
    name: str
    category: str
    phrases: tuple[tuple[str, ...], ...]
    weak: tuple[tuple[str, ...], ...]
    stems: tuple[str, ...]
    unless: frozenset[str]


@lru_cache(maxsize=1)
def _lexicon() -> tuple[_Concept, ...]:
    raw: dict[str, Any] = yaml.load(
        resources.files("jupyter_privacy.detect").joinpath("data/headers.yaml").read_text("utf-8"),
        Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader),  # libyaml when available: 10x faster
    )
    return tuple(_compile(name, spec) for name, spec in raw.items())


def _compile(name: str, spec: dict[str, Any]) -> _Concept:
    def phrase_tokens(items: list[str]) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(tokens(p)) for p in items if tokens(p))

    return _Concept(
        name=name,
        category=spec["category"],
        phrases=phrase_tokens(spec.get("phrases", [])),
        weak=phrase_tokens(spec.get("weak", [])),
        stems=tuple("".join(tokens(s)) for s in spec.get("stems", [])),
        unless=frozenset(t for u in spec.get("unless", []) for t in tokens(u)),
    )


def _contains(seq: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(seq[i : i + n]) == phrase for i in range(len(seq) - n + 1))


def header_tokens(name: object) -> list[str]:
    """Tokens of a column name of any type (ints, tuples from a MultiIndex, None)."""
    if isinstance(name, tuple):
        return [t for part in name for t in tokens(str(part))]
    return tokens("" if name is None else str(name))


def match_header(name: object, extra: dict[str, list[str]] | None = None) -> list[HeaderHint]:
    """All concepts the column name points to, strongest first.

    ``extra`` maps additional concept names (custom recognisers of the policy) to header keywords.
    """
    toks = header_tokens(name)
    if not toks:
        return []
    joined = "".join(toks)
    if len(toks) > 1 and all(len(t) == 1 for t in toks):
        toks = [joined]  # D.O.B., P.L.Z., S.S.N.
    present = set(toks)
    hints: list[HeaderHint] = []
    for concept in _lexicon():
        if present & concept.unless:
            continue
        hint = _best(concept, toks, joined)
        if hint is not None:
            hints.append(hint)
    for concept_name, keywords in (extra or {}).items():
        for kw in keywords:
            kw_toks = tuple(tokens(kw))
            if kw_toks and (_contains(toks, kw_toks) or "".join(kw_toks) in joined):
                hints.append(HeaderHint(concept_name, "custom", STRONG, kw))
                break
    hints.sort(key=lambda h: (-h.strength, -len(h.keyword)))
    return hints


def _best(concept: _Concept, toks: list[str], joined: str) -> HeaderHint | None:
    best: HeaderHint | None = None
    for phrase in concept.phrases:
        if _contains(toks, phrase):
            kw = " ".join(phrase)
            if best is None or len(kw) > len(best.keyword):
                best = HeaderHint(concept.name, concept.category, STRONG, kw)
    if best is not None:
        return best
    for stem in concept.stems:
        if len(stem) >= 4 and stem in joined:
            return HeaderHint(concept.name, concept.category, STEM, stem)
    for phrase in concept.weak:
        if _contains(toks, phrase):
            return HeaderHint(concept.name, concept.category, WEAK, " ".join(phrase))
    return None


def cancels(name: object, concept: str) -> bool:
    """Whether the column name holds a word that rules ``concept`` out (``company`` for PERSON).

    A placeholder name says nothing, so it rules nothing out: ``column_2`` (a file read without a header
    row), ``Unnamed: 3``, ``field_7`` -- "column" and "field" only cancel a name in "column name".
    """
    tokens = list(header_tokens(name))
    if len(tokens) == 2 and tokens[0] in _PLACEHOLDERS and tokens[1].isdigit():
        return False
    return any(c.name == concept and set(tokens) & c.unless for c in _lexicon())


_PLACEHOLDERS = frozenset({"column", "col", "field", "unnamed", "var", "variable", "attribute", "feature"})
