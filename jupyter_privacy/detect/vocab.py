"""Value vocabularies for GDPR Art. 9 special categories and gender (``data/vocabularies.yaml``).

Used when the column header is missing, misleading or ambiguous: a column whose values are mostly
diagnoses or medicines is health data whatever it is called.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import pandas as pd
import yaml

from .text import fold

# ICD-10 codes such as E11.9, J45, F32.1 (U is reserved, so excluded).
_ICD10 = re.compile(r"^[a-tv-z][0-9]{2}(\.[0-9a-z]{1,4})?$")


@dataclass(frozen=True)
class VocabMatch:
    """How well a column's values fit one vocabulary."""

    concept: str
    coverage: float  # share of non-neutral sampled values (row-weighted) that match
    distinct_terms: int  # distinct matching values
    unambiguous: int  # distinct matching values that are not ambiguous terms


@dataclass(frozen=True)
class _Vocab:
    concept: str
    terms: re.Pattern[str]
    ambiguous: frozenset[str]
    suffixes: re.Pattern[str] | None


def _alternation(words: list[str]) -> str:
    folded = sorted({" ".join(fold(w).split()) for w in words}, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"[\s_\-]+") for w in folded)


@lru_cache(maxsize=1)
def _load() -> tuple[frozenset[str], tuple[_Vocab, ...], frozenset[str], frozenset[str]]:
    raw: dict[str, Any] = yaml.load(
        resources.files("jupyter_privacy.detect").joinpath("data/vocabularies.yaml").read_text("utf-8"),
        Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader),  # libyaml when available: 10x faster
    )
    neutral = frozenset(fold(w) for w in raw.pop("neutral"))
    gender = raw.pop("GENDER")
    vocabs = []
    for concept, spec in raw.items():
        words = spec["terms"] + spec.get("ambiguous", [])
        suffixes = spec.get("suffixes")
        vocabs.append(
            _Vocab(
                concept=concept,
                terms=re.compile(rf"(?<![a-z0-9])(?:{_alternation(words)})(?![a-z0-9])"),
                ambiguous=frozenset(fold(w) for w in spec.get("ambiguous", [])),
                suffixes=re.compile(rf"^[a-z]{{3,}}(?:{'|'.join(suffixes)})$") if suffixes else None,
            )
        )
    return (
        neutral,
        tuple(vocabs),
        frozenset(fold(w) for w in gender["terms"]),
        frozenset(gender["codes"]),
    )


@lru_cache(maxsize=16)
def text_term_pattern(concept: str) -> re.Pattern[str]:
    """The unambiguous terms of one vocabulary as a pattern over folded running text.

    Ambiguous terms (colours, directions) and drug-name stems are left out: in prose they are far
    more often something else ("a white car", "in April").
    """
    raw: dict[str, Any] = yaml.load(
        resources.files("jupyter_privacy.detect").joinpath("data/vocabularies.yaml").read_text("utf-8"),
        Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader),
    )
    return re.compile(rf"(?<![a-z0-9])(?:{_alternation(raw[concept]['terms'])})(?![a-z0-9])")


def _normalised(counts: pd.Series) -> pd.Series:
    """Folded, whitespace-collapsed versions of the (string) index of a value-count series."""
    folded = [" ".join(fold(str(v)).split()) for v in counts.index]
    # object dtype on purpose: see profile.text_values
    return pd.Series(folded, index=counts.index, dtype=object)


def special_category_matches(counts: pd.Series) -> list[VocabMatch]:
    """Coverage of each special-category vocabulary over the values in ``counts`` (value -> rows)."""
    neutral, vocabs, _g, _c = _load()
    norm = _normalised(counts)
    keep = ~norm.isin(neutral) & (norm != "")
    norm, weights = norm[keep], counts[keep]
    total = float(weights.sum())
    if total == 0:
        return []
    out = []
    for vocab in vocabs:
        hit = norm.str.contains(vocab.terms, regex=True)
        if vocab.suffixes is not None:
            hit |= norm.str.fullmatch(vocab.suffixes)
        if vocab.concept == "HEALTH":
            hit |= _icd_codes(norm)
        if not hit.any():
            continue
        matched = norm[hit]
        out.append(
            VocabMatch(
                concept=vocab.concept,
                coverage=float(weights[hit].sum()) / total,
                distinct_terms=int(matched.nunique()),
                unambiguous=int((~matched.isin(vocab.ambiguous)).sum()),
            )
        )
    return sorted(out, key=lambda m: -m.coverage)


def _icd_codes(norm: pd.Series) -> pd.Series:
    """ICD-10 looking values; only trusted when they span several chapters (letters).

    A column of codes that all start with the same letter is far more likely to be a product or
    sensor code (S001, S002, ...) than a set of diagnoses.
    """
    looks = norm.str.fullmatch(_ICD10)
    if looks.sum() and norm[looks].str[0].nunique() >= 3:
        return looks
    return pd.Series(False, index=norm.index)


def gender_coverage(counts: pd.Series) -> float:
    """Share of rows whose value is a gender term or code, for a short code set; else 0."""
    neutral, _v, terms, codes = _load()
    norm = _normalised(counts)
    keep = ~norm.isin(neutral) & (norm != "")
    norm, weights = norm[keep], counts[keep]
    if norm.empty or norm.nunique() > 8:
        return 0.0
    words = norm.isin(terms)
    letters = norm.isin(codes)
    # single letters only when at least two different ones occur and nothing else does
    if not words.any() and letters.sum() < 2:
        return 0.0
    hit = words | letters
    return float(weights[hit].sum()) / float(weights.sum())
