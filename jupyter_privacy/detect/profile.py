"""Column profiles: a row sample, its distinct non-null values, and cheap vectorised shape figures.

Everything downstream (header checks, recognisers, vocabularies, NER) works on these profiles, so a
column is read once, nulls are dropped before anything turns them into text ("nan" must never reach
a recogniser), and only distinct values are analysed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..io.arrow import take_rows

# textual spellings of "no value" that CSV exports are full of
NULL_TOKENS = frozenset(
    {
        "",
        "nan",
        "NaN",
        "NAN",
        "None",
        "none",
        "null",
        "NULL",
        "Null",
        "N/A",
        "n/a",
        "NA",
        "#N/A",
        "-",
        "--",
        "?",
    }
)
BOOL_TOKENS = frozenset(
    {"true", "false", "yes", "no", "y", "n", "t", "f", "0", "1", "ja", "nee", "nein", "oui", "non", "si"}
)

_DATE = re.compile(
    r"^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{1,2}\s+\w{3,12}\.?\s+\d{4}|"
    r"\w{3,12}\.?\s+\d{1,2},?\s+\d{4}|\d{8})"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[ap]\.?m\.?)?(?:Z|[+-]\d{2}:?\d{2})?)?$",
    re.IGNORECASE,
)
_TIME = re.compile(r"\d{1,2}:\d{2}")
_YEAR = re.compile(r"(?<!\d)(1[89]\d{2}|20\d{2})(?!\d)")
_TITLE_WORDS = re.compile(r"^[A-ZÀ-Þ][\w'\-.]*(?:\s+[\w'\-.]+){0,5}$")
_ALPHA = re.compile(r"^[^\W\d_]+(?:[\s'\-.]+[^\W\d_]+)*\.?$")
_NUMERIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


@dataclass
class ColumnProfile:
    """What the classifier knows about one column, computed from the sample."""

    name: object
    label: str
    dtype: str
    kind: str  # text | integer | numeric | boolean | datetime | empty | other
    non_null: int  # sampled rows with a value
    counts: pd.Series  # distinct value (as text) -> sampled rows; at most max_distinct values
    distinct: int  # distinct values among the sampled rows (before the max_distinct cut)
    mean_len: float = 0.0
    mean_words: float = 0.0
    long_share: float = 0.0  # values of four words or more (sentences among short codes)
    digit_share: float = 0.0
    alpha_share: float = 0.0
    title_share: float = 0.0
    date_share: float = 0.0
    time_share: float = 0.0
    numeric_share: float = 0.0
    num_min: float | None = None
    num_max: float | None = None
    years: np.ndarray | None = None  # one year per distinct date-like value, when date-like

    def share(self, mask: pd.Series) -> float:
        """Row-weighted share of the profiled values for which ``mask`` (over ``counts``) holds."""
        total = float(self.counts.sum())
        return float(self.counts[mask.to_numpy()].sum()) / total if total else 0.0

    @property
    def values(self) -> pd.Series:
        """The distinct profiled values as a string Series (positionally aligned with ``counts``)."""
        return text_values(self.counts.index)

    @property
    def distinct_ratio(self) -> float:
        return self.distinct / self.non_null if self.non_null else 0.0


def text_values(index: pd.Index) -> pd.Series:
    """``index`` as an object-dtype Series of ``str``.

    Regex methods on pandas' pyarrow-backed string dtype re-parse the pattern on every call to see
    whether Arrow can run it; on a few hundred values that costs far more than the match itself.
    """
    return pd.Series([str(v) for v in index], dtype=object)


def sample_rows(df: pd.DataFrame, n: int, seed: int = 0) -> pd.DataFrame:
    """A uniform random sample of at most ``n`` rows (the frame itself when it is small)."""
    if len(df) <= n:
        return df
    rng = np.random.default_rng(seed)
    positions = np.sort(rng.choice(len(df), size=n, replace=False))
    return take_rows(df, positions)


def _to_text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def profile_column(name: object, series: pd.Series, max_distinct: int) -> ColumnProfile:
    """Profile one sampled column."""
    dtype = str(series.dtype)
    label = _label(name)
    non_null = series.dropna()
    kind = _kind(series, non_null)
    if kind == "boolean":
        return ColumnProfile(
            name,
            label,
            dtype,
            kind,
            len(non_null),
            non_null.astype(str).value_counts(),
            int(non_null.nunique()),
        )
    if kind == "datetime":
        dt = pd.to_datetime(non_null, errors="coerce").dropna()
        years = dt.dt.year.to_numpy()
        has_time = bool(((dt.dt.hour != 0) | (dt.dt.minute != 0)).any())
        counts = dt.dt.strftime("%Y-%m-%d").value_counts()
        return ColumnProfile(
            name,
            label,
            dtype,
            kind,
            len(non_null),
            counts.iloc[:max_distinct],
            int(counts.size),
            date_share=1.0,
            time_share=1.0 if has_time else 0.0,
            years=years,
        )
    if kind == "numeric":
        values = pd.to_numeric(non_null, errors="coerce").dropna()
        finite = values[np.isfinite(values.to_numpy(dtype=float))]
        counts = finite.astype(str).value_counts()
        return ColumnProfile(
            name,
            label,
            dtype,
            kind,
            len(non_null),
            counts.iloc[:max_distinct],
            int(counts.size),
            numeric_share=1.0,
            num_min=float(finite.min()) if len(finite) else None,
            num_max=float(finite.max()) if len(finite) else None,
        )
    if kind == "integer":
        ints = non_null.astype("int64")
        counts = ints.astype(str).value_counts(sort=False)
        return ColumnProfile(
            name,
            label,
            dtype,
            kind,
            len(non_null),
            counts.iloc[:max_distinct],
            int(counts.size),
            numeric_share=1.0,
            digit_share=1.0,
            num_min=float(ints.min()) if len(ints) else None,
            num_max=float(ints.max()) if len(ints) else None,
            mean_len=float(np.mean(counts.index[:max_distinct].str.len())) if len(counts) else 0.0,
        )
    if kind == "other":
        return ColumnProfile(name, label, dtype, kind, len(non_null), pd.Series(dtype="int64"), 0)

    # text: strings, objects, categoricals, mixed types
    text = non_null.map(_to_text) if non_null.dtype == object else non_null.astype(str)
    text = text.astype(object).str.strip()
    text = text[~text.isin(NULL_TOKENS)]
    if text.empty:
        return ColumnProfile(name, label, dtype, "empty", 0, pd.Series(dtype="int64"), 0)
    all_counts = text.value_counts(sort=False)
    counts = all_counts.iloc[:max_distinct]
    prof = ColumnProfile(name, label, dtype, "text", len(text), counts, int(all_counts.size))
    _shape(prof)
    if prof.numeric_share >= 0.99 and prof.date_share < 0.5:
        _numeric_range(prof)
    return prof


def _label(name: object) -> str:
    if isinstance(name, tuple):
        return " / ".join(str(p) for p in name)
    return str(name)


def _kind(series: pd.Series, non_null: pd.Series) -> str:
    dtype = series.dtype
    if len(non_null) == 0:
        return "empty"
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        values = non_null.to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        if len(finite) and np.all(finite == np.round(finite)) and np.all(np.abs(finite) < 2**62):
            return "integer"
        return "numeric"
    if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        return "other"  # complex, timedeltas
    if isinstance(dtype, pd.PeriodDtype | pd.IntervalDtype):
        return "other"
    if pd.api.types.is_object_dtype(dtype):
        lowered = set(non_null.head(200).map(lambda v: str(v).strip().lower()))
        if all(isinstance(v, bool | np.bool_) for v in non_null.head(200)):
            return "boolean"
        if lowered <= BOOL_TOKENS and len(lowered) <= 2 and not lowered <= {"0", "1"}:
            return "boolean"
    return "text"


def _shape(prof: ColumnProfile) -> None:
    values = prof.values
    weights = prof.counts.to_numpy(dtype=float)
    total = weights.sum()

    def w(mask: pd.Series) -> float:
        return float(weights[mask.to_numpy(dtype=bool)].sum() / total)

    lengths = values.str.len().to_numpy(dtype=float)
    words = values.str.count(r"\s+").to_numpy(dtype=float) + 1
    prof.mean_len = float((lengths * weights).sum() / total)
    prof.mean_words = float((words * weights).sum() / total)
    prof.long_share = float(weights[words >= 4].sum() / total)
    prof.digit_share = w(values.str.contains(r"\d", regex=True))
    prof.alpha_share = w(values.str.fullmatch(_ALPHA))
    prof.title_share = w(values.str.fullmatch(_TITLE_WORDS))
    dates = values.str.fullmatch(_DATE)
    prof.date_share = w(dates)
    prof.numeric_share = w(values.str.fullmatch(_NUMERIC))
    if prof.date_share >= 0.5:
        prof.time_share = w(dates & values.str.contains(_TIME, regex=True))
        years = values[dates].str.extract(_YEAR, expand=False).dropna()
        prof.years = years.astype(int).to_numpy()


def _numeric_range(prof: ColumnProfile) -> None:
    nums = pd.to_numeric(prof.values.str.replace(",", ".", regex=False), errors="coerce").dropna()
    if len(nums):
        prof.num_min, prof.num_max = float(nums.min()), float(nums.max())
