"""Values must agree with the header: checks that a header match's values fit its entity.

``classifier._plausible`` rejects kinds that cannot be the entity at all (booleans under ``email``,
dates under ``phone``); the checks here look at the values themselves and say why they disagree:
shares and fractions under ``age``, place or product names under a bare ``name``, codes under
``surname``. The reasons never quote a value.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .headers import HeaderHint
from .names import name_evidence
from .profile import BOOL_TOKENS, ColumnProfile
from .text import tokens

# header words that say "name" without saying whose: the values must show it is a person's
GENERIC_NAME = frozenset({"name", "names", "naam", "nom", "nombre", "nome", "namn", "navn", "imie"})
# a bare name header needs this share of values holding a known given name or surname
GENERIC_NAME_KNOWN = 0.4
NAME_SHAPED = 0.6
NAME_SAMPLE = 100  # distinct values checked against the name lists
AGE_MAX = 120  # at the 99th percentile: one typo (an age of 138) does not make a column "not ages"


_AGE_BAND = re.compile(
    r"^(?:\d{1,3}\s*(?:-|\u2013|to)\s*\d{1,3}|\d{1,3}\s*\+|[<>]=?\s*\d{1,3})(?:\s*\w{0,6})?$"
)


def is_age_band(p: ColumnProfile) -> bool:
    """Age bands ("18-24", "65+", "<18") rather than ages."""
    return p.kind == "text" and p.distinct <= 20 and p.share(p.values.str.fullmatch(_AGE_BAND)) >= 0.8


def _flags(p: ColumnProfile) -> bool:
    values = {str(v).strip().lower() for v in p.counts.index}
    return p.distinct <= 3 and values <= BOOL_TOKENS


def disagreement(hint: HeaderHint, p: ColumnProfile) -> str | None:
    """Why the values contradict what the header says, or None when they agree (or cannot tell)."""
    if p.kind == "empty" or p.counts.empty:
        return None
    if _flags(p) and hint.concept != "GENDER":  # 0/1 is a common coding of sex
        return "the values are yes/no flags"
    if hint.concept == "AGE" and is_age_band(p):
        return None
    if hint.concept == "AGE":
        return _age(p)
    if hint.concept == "PERSON" and p.kind == "text":
        return _person(hint, p)
    digits = p.kind == "text" and p.share(p.values.str.contains(r"\d", regex=True)) > 0.4
    if hint.concept in ("CITY", "NATIONALITY", "MARITAL_STATUS") and digits:
        return "most values hold digits: codes, not places or statuses"
    return None


def _numbers(p: ColumnProfile) -> tuple[np.ndarray, np.ndarray]:
    values = pd.to_numeric(pd.Series([str(v) for v in p.counts.index]).str.replace(",", "."), errors="coerce")
    keep = values.notna().to_numpy()
    return values.to_numpy(dtype=float)[keep], p.counts.to_numpy(dtype=float)[keep]


def _age(p: ColumnProfile) -> str | None:
    values, weights = _numbers(p)
    if not len(values):
        return None
    fractional = values != np.round(values)
    if values.max() <= 1 and fractional.any():
        return "the values are fractions between 0 and 1 (shares, not ages)"
    whole_years = values >= 1
    if whole_years.any() and weights[whole_years & fractional].sum() > 0.5 * weights[whole_years].sum():
        return "most values are not whole years"
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order]) / weights.sum()
    p99 = values[order][min(int(np.searchsorted(cumulative, 0.99)), len(values) - 1)]
    if values.min() < 0 or p99 > AGE_MAX:
        return f"the values run outside 0-{AGE_MAX}"
    return None


def _person(hint: HeaderHint, p: ColumnProfile) -> str | None:
    evidence = name_evidence(p.counts, NAME_SAMPLE)
    if evidence.shaped < NAME_SHAPED:
        return "most values are not shaped like names (digits, symbols or long text)"
    if set(tokens(hint.keyword)) <= GENERIC_NAME and evidence.known < GENERIC_NAME_KNOWN:
        return "few values hold a known given name or surname: names of things, not people"
    return None
