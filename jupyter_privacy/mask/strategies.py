"""Masking strategies other than pseudonyms: generalisation, redaction, free-text spans.

Everything works on distinct values (``pd.factorize``) and maps back with the codes, so the cost
follows the number of different values, not the number of rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..detect.recognizers import ValueRecognizer
from .keys import MaskingKey
from .tokens import token_for

REDACTED = "[REDACTED]"


def _map_distinct(
    series: pd.Series, fn: Callable[[pd.Index], pd.Index | np.ndarray], dtype: str
) -> pd.Series:
    """Apply ``fn`` to the distinct non-null values and map the result back to every row."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    mapped = pd.array(np.asarray(fn(pd.Index(uniques)), dtype=object), dtype=dtype) if len(uniques) else None
    if mapped is None:
        return pd.Series(pd.array([None] * len(series), dtype=dtype), index=series.index, name=series.name)
    taken = mapped.take(codes, allow_fill=True)
    return pd.Series(taken, index=series.index, name=series.name)


def redact(series: pd.Series) -> pd.Series:
    """Every value replaced by a marker; nulls stay null, so missingness is still visible."""
    out = pd.Series(pd.array([REDACTED] * len(series), dtype="str"), index=series.index, name=series.name)
    return out.where(series.notna().to_numpy(), other=None)


def _dayfirst(values: pd.Index) -> bool:
    """Whether d/m/y is more plausible than m/d/y for these date strings."""
    text = pd.Series(values.astype(str))
    first = pd.to_numeric(
        text.str.extract(r"^(\d{1,2})[./-]\d{1,2}[./-]\d{2,4}", expand=False), errors="coerce"
    )
    return bool((first > 12).any())


def _parse_dates(values: pd.Index) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return pd.Series(values)
    text = values.astype(str)
    return pd.Series(pd.to_datetime(text, errors="coerce", format="mixed", dayfirst=_dayfirst(values)))


def generalise_date(series: pd.Series, granularity: str = "year") -> pd.Series:
    """Birth dates to their year (default), month (``YYYY-MM``) or decade."""

    def fn(values: pd.Index) -> np.ndarray:
        dates = _parse_dates(values)
        if granularity == "month":
            return dates.dt.strftime("%Y-%m").to_numpy(dtype=object)
        years = dates.dt.year
        if granularity == "decade":
            years = (years // 10) * 10
        return years.astype("Int64").to_numpy(dtype=object)

    return _map_distinct(series, fn, "str" if granularity == "month" else "Int64")


def generalise_prefix(series: pd.Series, keep: int) -> pd.Series:
    """Postcodes and similar codes cut to their first ``keep`` characters (spaces removed)."""

    def fn(values: pd.Index) -> np.ndarray:
        text = pd.Series(values.astype(str)).str.replace(r"\s+", "", regex=True).str.upper()
        return text.str.slice(0, keep).to_numpy(dtype=object)

    return _map_distinct(series, fn, "str")


def generalise_age(series: pd.Series) -> pd.Series:
    """Ages to ten-year bands such as ``30-39``."""

    def fn(values: pd.Index) -> np.ndarray:
        ages = pd.to_numeric(pd.Series(values), errors="coerce")
        low = (ages // 10) * 10
        return np.array([None if pd.isna(v) else f"{int(v)}-{int(v) + 9}" for v in low], dtype=object)

    return _map_distinct(series, fn, "str")


def generalise_coordinate(series: pd.Series) -> pd.Series:
    """Coordinates rounded to one decimal (about 11 km)."""
    return pd.to_numeric(series, errors="coerce").round(1)


def mask_free_text(
    series: pd.Series,
    recognizers: Sequence[ValueRecognizer],
    key: MaskingKey,
) -> tuple[pd.Series, dict[str, int]]:
    """Replace each personal-data span inside the text by its keyed token; the rest stays readable.

    Returns the masked column and, per entity, how many distinct texts had spans replaced.
    """
    counts: dict[str, int] = {}

    def fn(values: pd.Index) -> np.ndarray:
        out = []
        for text in values.astype(str):
            spans: list[tuple[int, int, str]] = []
            for rec in recognizers:
                if rec.text_prefilter is not None and not rec.text_prefilter.search(text):
                    continue
                spans += [(r.start, r.end, rec.entity) for r in _analyze(rec, text)]
            # fail closed: digit runs libphonenumber calls invalid (+44292018494) are still masked
            spans += [
                (m.start(), m.end(), "PHONE_NUMBER")
                for m in _LOOSE_NUMBER.finditer(text)
                if _digits(m.group()) >= 8 and not _DATE_LIKE.match(m.group())
            ]
            if spans:
                for entity in {e for _s, _e, e in spans}:
                    counts[entity] = counts.get(entity, 0) + 1
            out.append(_replace_spans(text, spans, key))
        return np.array(out, dtype=object)

    return _map_distinct(series, fn, "str"), counts


def _analyze(rec: ValueRecognizer, text: str) -> list[Any]:
    try:
        return [r for r in rec.recognizer.analyze(text, [rec.entity], None) if r.score >= rec.min_score]
    except Exception:
        return [_WHOLE]


class _Whole:
    """Marker result meaning "mask this whole text": used when a recogniser fails on it."""

    start = 0
    end = -1


_WHOLE = _Whole()
_TRAILING = re.compile(r"[.,;:!?)\]]+$")
_LOOSE_NUMBER = re.compile(r"(?<![\w@])\+?\(?\d[\d \-().]{6,}\d(?![\w@])")


_DATE_LIKE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}")


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _replace_spans(text: str, spans: list[tuple[int, int, str]], key: MaskingKey) -> str:
    if not spans:
        return text
    if any(end == -1 for _s, end, _e in spans):
        return REDACTED
    # longest first, then drop overlaps, then replace right to left
    chosen: list[tuple[int, int, str]] = []
    for start, end, entity in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]))):
        if chosen and start < chosen[-1][1]:
            continue
        chosen.append((start, end, entity))
    for start, end, entity in reversed(chosen):
        value = text[start:end]
        trail = _TRAILING.search(value)
        if trail and entity != "PERSON":
            end -= len(trail.group(0))
            value = text[start:end]
        if entity == "PERSON":
            # the self-introduction pattern matches "my name is Jan Jansen": keep the words
            words = re.match(
                r"(?i:.*?\b(?:is|ben|heet|bin|heiße|heisse|ist|appelle|suis|est|llamo|soy|chiamo|sono|am|i'm))\s+",
                value,
            )
            if words:
                start += words.end()
                value = text[start:end]
        text = text[:start] + token_for(value, key, entity) + text[end:]
    return text
