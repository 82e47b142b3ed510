"""Column classification: header hints + value recognisers + vocabularies + (optional) NER.

The rules, in order (the first that decides wins):

1. Special categories (GDPR Art. 9): a clear column name, an ambiguous name the values agree with,
   or values that are mostly terms of one special-category vocabulary.
2. Value recognisers (presidio + checksums + policy patterns): the share of sampled rows whose value
   *is* the entity must reach ``min_coverage``, or ``context_min_coverage`` when the column name
   supports the same entity. Checksum-validated entities win ties.
3. The column name alone, when the values are plausible for it (a "name" column of numbers is an id,
   a "phone" column of booleans is a flag).
4. Quasi-identifiers from values: gender code sets, postcode formats, birth-date-like date ranges.
5. Free text: any share of rows (``free_text_min_share``) with entities inside the text.
6. Name-like values with no other signal, through NER when a model is available.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from ..policy.model import SPECIAL_CATEGORIES
from .agreement import disagreement, is_age_band
from .findings import ColumnFinding
from .headers import STEM, WEAK, HeaderHint, cancels, header_tokens
from .names import name_evidence
from .ner import PERSON_LABELS, PLACE_LABELS, NerModel
from .profile import ColumnProfile, text_values
from .recognizers import RecognizerFailed, ValueRecognizer
from .vocab import gender_coverage, special_category_matches

SPECIAL = frozenset(SPECIAL_CATEGORIES)
# header concepts -> reported entity when the decision rests on the name
HEADER_ENTITY = {"ONLINE_ID": "ONLINE_IDENTIFIER", "GEO_COORDINATE": "GEO_COORDINATE"}

_NL_POSTCODE = re.compile(r"^[1-9]\d{3}\s?[A-Za-z]{2}$")
_CA_POSTCODE = re.compile(r"^[A-Za-z]\d[A-Za-z]\s?\d[A-Za-z]\d$")
_BARE_DIGITS = re.compile(r"^[1-9]\d*$")

FREE_TEXT_MAX_VALUES = 200
# distinct values a recogniser is run on per column: enough for a coverage estimate within a few
# points, and a bound on the cost of slow recognisers (phone numbers) on wide frames
RECOGNIZER_MAX_VALUES = 100
EARLY_ACCEPT_AFTER = 40
NER_MAX_VALUES = 100


@dataclass(frozen=True)
class Thresholds:
    min_coverage: float = 0.7
    context_min_coverage: float = 0.3
    free_text_min_share: float = 0.01


def classify(
    profile: ColumnProfile,
    hints: Sequence[HeaderHint],
    recognizers: Sequence[ValueRecognizer],
    text_recognizers: Sequence[ValueRecognizer],
    thresholds: Thresholds,
    ner: NerModel,
) -> ColumnFinding:
    """Classify one profiled column."""
    finding = ColumnFinding(name=profile.label, dtype=profile.dtype)
    for rule in (
        _special,
        _mixed,
        _values,
        _header,
        _name_list,
        _quasi_values,
        _free_text,
        _ner_names,
    ):
        if rule(finding, profile, hints, recognizers, text_recognizers, thresholds, ner):
            finding.score = round(min(1.0, max(0.0, finding.score)), 2)
            if finding.coverage is not None:
                finding.coverage = round(finding.coverage, 3)
            return finding
    if profile.kind == "empty":
        finding.reasons.append("no non-null values in the sample")
    return finding


def _header_score(strength: float) -> float:
    return 0.9 * strength


def _combine(header: float, values: float) -> float:
    return 1 - (1 - header) * (1 - values)


# -- 1. special categories ---------------------------------------------------------------------


def _special(
    f: ColumnFinding,
    p: ColumnProfile,
    hints: Sequence[HeaderHint],
    _r: object,
    _t: object,
    th: Thresholds,
    _n: object,
) -> bool:
    vocab = special_category_matches(p.counts) if p.kind == "text" else []
    by_concept = {m.concept: m for m in vocab}
    for hint in hints:
        if hint.concept not in SPECIAL:
            continue
        match = by_concept.get(hint.concept)
        if hint.strength >= STEM:
            _set(f, "special", hint.concept, _header_score(hint.strength), None, rule="header")
            f.reasons.append(f"column name matches '{hint.keyword}' ({hint.concept})")
            if match is not None:
                f.coverage = match.coverage
                f.score = _combine(f.score, match.coverage)
                f.reasons.append(f"{match.coverage:.0%} of sampled values are {hint.concept} terms")
            return True
        if match is not None and match.coverage >= th.context_min_coverage:
            _set(
                f,
                "special",
                hint.concept,
                _combine(_header_score(hint.strength), match.coverage),
                match.coverage,
                rule="header",
            )
            f.reasons.append(f"ambiguous column name '{hint.keyword}' confirmed by the values")
            f.reasons.append(f"{match.coverage:.0%} of sampled values are {hint.concept} terms")
            return True
    if p.mean_words > 12:
        return False  # long prose mentioning a condition is free text, judged by rule 5
    for match in vocab:
        if match.coverage >= th.min_coverage and match.distinct_terms >= 2 and match.unambiguous >= 1:
            _set(f, "special", match.concept, 0.5 + 0.4 * match.coverage, match.coverage, rule="vocabulary")
            f.reasons.append(f"{match.coverage:.0%} of sampled values are {match.concept} terms")
            return True
    return False


def _set(
    f: ColumnFinding, category: str, entity: str, score: float, coverage: float | None, *, rule: str
) -> None:
    f.rule = rule
    f.category = category
    f.entities = [entity]
    f.score = score
    f.coverage = coverage
    if category == "special":
        f.special_category = entity


# -- 2. value recognisers ----------------------------------------------------------------------


def _values(
    f: ColumnFinding,
    p: ColumnProfile,
    hints: Sequence[HeaderHint],
    recognizers: Sequence[ValueRecognizer],
    _t: object,
    th: Thresholds,
    _n: object,
) -> bool:
    if p.kind not in ("text", "integer") or p.counts.empty or p.mean_words > 6 or p.date_share >= 0.8:
        return False
    concepts = {h.concept: h for h in hints}
    counts = p.counts.iloc[:RECOGNIZER_MAX_VALUES]
    total = float(counts.sum())
    values = text_values(counts.index)
    texts: list[str] = [str(v) for v in values]

    def share(mask: pd.Series) -> float:
        return float(counts[mask.to_numpy()].sum()) / total

    best: tuple[float, ValueRecognizer, float, HeaderHint | None] | None = None
    for rec in recognizers:
        support = next((concepts[c] for c in rec.header_concepts if c in concepts), None)
        ceiling = (1.0 if rec.validated else 0.9) + (0.05 if support is not None else 0.0)
        if best is not None and ceiling <= best[0]:
            continue  # even full coverage could not outrank what was found: skip the slow check
        candidates = (
            values.str.fullmatch(rec.prefilter)
            if rec.prefilter is not None
            else pd.Series(True, index=values.index)
        )
        if rec.entity == "PHONE_NUMBER" and support is None:
            # a bare run of digits is an id or an amount far more often than a phone number
            candidates &= ~values.str.fullmatch(_BARE_DIGITS)
        if not candidates.any():
            continue
        needed = th.context_min_coverage if support is not None else th.min_coverage
        if (rec.needs_header and support is None) or share(candidates) < needed:
            continue
        try:
            coverage = _coverage(rec, texts, candidates.to_numpy(), counts.to_numpy(dtype=float), needed)
        except RecognizerFailed as exc:
            return _fail_closed(f, rec, exc)
        if coverage is None:
            continue
        rank = coverage * (1.0 if rec.validated else 0.9) + (0.05 if support is not None else 0.0)
        if best is None or rank > best[0]:
            best = (rank, rec, coverage, support)
            if rec.validated and coverage >= 0.95:
                break  # a checksum-validated entity on nearly every value: nothing else can beat it
    if best is None:
        return False
    _rank, rec, coverage, support = best
    header = _header_score(support.strength) if support is not None else 0.0
    value_score = coverage * (1.0 if rec.validated else 0.85)
    _set(f, rec.category, rec.entity, _combine(header, value_score), coverage, rule="recognizer")
    if support is not None:
        f.reasons.append(f"column name matches '{support.keyword}' ({support.concept})")
    check = "valid " if rec.validated else ""
    f.reasons.append(f"{coverage:.0%} of sampled values are {check}{rec.entity}")
    return True


MIXED_MIN_SHARE = 0.2
"""Share of rows each kind of identifier must hold for a column of several kinds to count as mixed."""


def _mixed(
    f: ColumnFinding,
    p: ColumnProfile,
    _h: object,
    recognizers: Sequence[ValueRecognizer],
    _t: object,
    th: Thresholds,
    _n: object,
) -> bool:
    """A column of several kinds of identifier, one per row (a ``contact`` column of e-mail addresses and
    phone numbers), each kind in at least ``MIXED_MIN_SHARE`` of the rows, together in ``min_coverage``:
    no kind alone may reach it, and where one does (or the column's name supports one), :func:`_values`
    would name that kind only, so a purpose allowing it got the other kind raw too. Runs first; flagged
    as text whose identifiers are masked where they stand, each as its own entity (the free-text
    masking), as every entity found."""
    if p.kind != "text" or p.counts.empty or p.mean_words > 6 or p.date_share >= 0.8:
        return False
    counts = p.counts.iloc[:RECOGNIZER_MAX_VALUES]
    weights = counts.to_numpy(dtype=float)
    values = text_values(counts.index)
    texts = [str(v) for v in values]
    hits = np.zeros(len(values), dtype=bool)
    found: dict[str, float] = {}
    for rec in recognizers:
        if rec.category != "direct" or rec.needs_header or not rec.in_text:
            continue
        candidates = ~hits  # a value is one kind of identifier
        if rec.prefilter is not None:
            candidates &= np.array(values.str.fullmatch(rec.prefilter), dtype=bool)
        if rec.entity == "PHONE_NUMBER":
            candidates &= ~np.array(values.str.fullmatch(_BARE_DIGITS), dtype=bool)
        if weights[candidates].sum() < MIXED_MIN_SHARE * weights.sum():
            continue
        rows = np.zeros(len(values), dtype=bool)
        try:
            for i in np.flatnonzero(candidates):
                rows[i] = rec.matches(texts[int(i)], whole=True)
        except RecognizerFailed as exc:
            return _fail_closed(f, rec, exc)
        if weights[rows].sum() >= MIXED_MIN_SHARE * weights.sum():
            found[rec.entity] = float(weights[rows].sum() / weights.sum())
            hits |= rows
    coverage = float(weights[hits].sum() / weights.sum())
    if len(found) < 2 or coverage < th.min_coverage:
        return False
    entities = sorted(found, key=lambda e: -found[e])
    f.free_text, f.rule, f.category, f.entities = True, "mixed", "direct", entities
    f.coverage, f.score = coverage, 0.85 * coverage
    f.reasons.append(
        f"{coverage:.0%} of sampled values are identifiers of several kinds: "
        + ", ".join(f"{e} ({found[e]:.0%})" for e in entities)
    )
    return True


def _coverage(
    rec: ValueRecognizer, texts: list[str], candidates: np.ndarray, weights: np.ndarray, needed: float
) -> float | None:
    """Row-weighted share of values that are ``rec``'s entity, or None below ``needed``.

    Stops as soon as the threshold is out of reach even if every remaining candidate matched, so
    slow recognisers (phone numbers) give up quickly on columns of something else.
    """
    total = weights.sum()
    candidate_weight = float(weights[candidates].sum())
    remaining = candidate_weight
    hits = seen = 0.0
    for n, i in enumerate(np.flatnonzero(candidates), start=1):
        remaining -= weights[i]
        seen += weights[i]
        if rec.matches(texts[int(i)], whole=True):
            hits += weights[i]
        elif (hits + remaining) / total < needed:
            return None
        # values come in random order: once a clear majority is in, the rest only refines the figure
        if n >= EARLY_ACCEPT_AFTER and hits / seen * candidate_weight / total >= needed + 0.2:
            return hits / seen * candidate_weight / total
    coverage = hits / total
    return coverage if coverage >= needed else None


def _fail_closed(f: ColumnFinding, rec: ValueRecognizer, exc: RecognizerFailed) -> bool:
    """A recogniser that raised decides nothing, so the column is flagged rather than passed as clean:
    masking a column too many is recoverable, publishing one is not."""
    _set(f, rec.category, rec.entity, 0.5, None, rule="fail-closed")
    f.reasons.append(
        f"the {rec.entity} recogniser failed on a sampled value ({exc.error}); "
        "flagged rather than assumed not personal (fail closed)"
    )
    return True


# -- 3. the column name alone ------------------------------------------------------------------


def _header(
    f: ColumnFinding,
    p: ColumnProfile,
    hints: Sequence[HeaderHint],
    _r: object,
    _t: object,
    _th: Thresholds,
    _n: object,
) -> bool:
    contradictions: list[str] = []
    for hint in hints:
        if hint.concept in SPECIAL or hint.category in ("custom", "text"):
            continue
        if not _plausible(hint.concept, p):
            contradictions.append(f"column name matches '{hint.keyword}' ({hint.concept}) but {_what(p)}")
            continue
        contradiction = disagreement(hint, p)
        if contradiction is not None:
            contradictions.append(
                f"column name matches '{hint.keyword}' ({hint.concept}) but {contradiction}"
            )
            continue
        if hint.strength <= WEAK and p.kind == "empty":
            continue
        entity = HEADER_ENTITY.get(hint.concept, hint.concept)
        _set(f, hint.category, entity, _header_score(hint.strength), None, rule="header")
        f.reasons.append(f"column name matches '{hint.keyword}' ({hint.concept})")
        if p.kind == "empty":
            f.reasons.append("no values in the sample to confirm it")
        return True
    f.reasons.extend(contradictions)
    return False


def _what(p: ColumnProfile) -> str:
    """What the values are, in words, for a header the values contradict."""
    if p.kind == "boolean" or (p.kind == "text" and p.distinct <= 2 and p.mean_words <= 1):
        return "the values are yes/no flags"
    if p.kind in ("datetime",) or p.date_share >= 0.8:
        return "the values are dates"
    if p.kind in ("numeric", "integer"):
        return "the values are numbers"
    return "the values do not fit it"


def _plausible(concept: str, p: ColumnProfile) -> bool:
    """Whether the values do not contradict what the column name says."""
    if p.kind == "empty":
        return True
    if p.kind == "boolean" or p.kind == "other":
        return False
    mostly_dates = p.date_share >= 0.8 or p.kind == "datetime"
    if concept == "DATE_OF_BIRTH":
        if mostly_dates:
            return True
        return (
            p.num_min is not None
            and p.num_max is not None
            and p.num_min >= 1880
            and p.num_max <= date.today().year
        )
    if mostly_dates:
        return False
    if concept == "AGE":
        # the range: agreement.disagreement
        return (p.num_min is not None and p.num_max is not None) or is_age_band(p)
    if concept == "GEO_COORDINATE":
        return p.num_min is not None and p.num_max is not None and p.num_min >= -180 and p.num_max <= 180
    if p.kind == "numeric":
        return False  # measurements, amounts: not names, phones or postcodes
    if concept in ("PERSON", "CITY", "NATIONALITY", "MARITAL_STATUS"):
        return p.kind == "text" and p.mean_words <= 6  # the values' shape: agreement.disagreement
    if concept == "GENDER":
        return p.distinct <= 12
    if concept == "ONLINE_IDENTIFIER" or concept == "ONLINE_ID":
        return p.kind == "text" and p.numeric_share < 0.5 and p.mean_words <= 2
    if concept == "STREET_ADDRESS":
        return p.mean_words <= 15
    return p.mean_words <= 6


# -- 3b. person names from the name lists --------------------------------------------------------

NAME_LIST_KNOWN = 0.6  # share of values with a known given name or surname
NAME_LIST_MIN_DISTINCT = 10
NAME_LIST_FEW = 2  # below NAME_LIST_MIN_DISTINCT distinct values (a tiny file), only full names count


def _name_list(
    f: ColumnFinding,
    p: ColumnProfile,
    hints: Sequence[HeaderHint],
    _r: object,
    _t: object,
    _th: Thresholds,
    _n: object,
) -> bool:
    """Full names ("Given Surname", "Surname, Title Given") under a header that says nothing.

    Several words per value, capitalised, mostly distinct, and most holding a given name or surname
    from the name lists: single words (cities, first names) need a header or a table about people. A
    column of fewer than ten distinct values (a file of a few rows) counts only when every value is a
    full name by the lists (a known given name and a known surname).
    """
    if p.kind != "text" or hints or p.distinct < NAME_LIST_FEW or p.distinct_ratio < 0.3:
        return False
    if cancels(p.name, "PERSON"):
        return False  # company, product, street ... names
    if p.mean_words < 1.5 or p.mean_words > 6:
        return False
    evidence = name_evidence(p.counts)
    if evidence.shaped < 0.9 or evidence.capitalised < 0.8 or evidence.known < NAME_LIST_KNOWN:
        return False
    if p.distinct < NAME_LIST_MIN_DISTINCT and evidence.full < 1.0:
        return False  # a handful of values: every one must be a full name by the lists
    _set(f, "direct", "PERSON", 0.5 + 0.4 * evidence.known, evidence.known, rule="name-list")
    f.reasons.append(f"{evidence.known:.0%} of sampled values are person names (given names and surnames)")
    return True


# -- 4. quasi-identifiers from the values --------------------------------------------------------


def _quasi_values(
    f: ColumnFinding,
    p: ColumnProfile,
    _h: object,
    _r: object,
    _t: object,
    th: Thresholds,
    _n: object,
) -> bool:
    if p.kind not in ("text", "datetime") or p.counts.empty:
        return False
    if p.kind == "text":
        gender = gender_coverage(p.counts)
        if gender >= 0.9:
            _set(f, "quasi", "GENDER", 0.5 + 0.4 * gender, gender, rule="value-shape")
            f.reasons.append(f"{gender:.0%} of sampled values are gender terms or codes")
            return True
        values = p.values
        for pattern, label in ((_NL_POSTCODE, "NL"), (_CA_POSTCODE, "CA")):
            cov = p.share(values.str.fullmatch(pattern))
            if cov >= th.min_coverage:
                _set(f, "quasi", "POSTCODE", 0.5 + 0.4 * cov, cov, rule="value-shape")
                f.reasons.append(f"{cov:.0%} of sampled values have the {label} postcode format")
                return True
    return _birth_dates(f, p)


# a header with one of these words names some other date (an event, a batch, a deadline)
_EVENT_WORDS = frozenset(
    [
        "date",
        "datum",
        "time",
        "timestamp",
        "ts",
        "at",
        "on",
        "created",
        "updated",
        "modified",
        "changed",
        "day",
        "dag",
        "tag",
        "jour",
        "fecha",
        "data",
        "year",
        "jaar",
        "jahr",
        "annee",
        "anno",
        "month",
        "when",
        "start",
        "end",
        "since",
        "until",
        "expiry",
        "expires",
        "due",
        "period",
        "valid",
        "order",
        "invoice",
        "batch",
        "shipped",
        "delivered",
        "opened",
        "closed",
        "signup",
        "registered",
        "joined",
        "hired",
    ]
)


def _birth_dates(f: ColumnFinding, p: ColumnProfile) -> bool:
    """Dates without times spread over decades of the past, centred on adult ages.

    Only for columns whose name says nothing: a column called ``batch_date`` or ``created_at``
    holding old dates is a record of events, not of births.
    """
    if _EVENT_WORDS & set(header_tokens(p.name)):
        return False
    if p.years is None or len(p.years) < 20 or p.date_share < 0.9 or p.time_share > 0.05:
        return False
    this_year = date.today().year
    years = p.years
    span = int(years.max() - years.min())
    median_age = this_year - float(np.median(years))
    if span >= 40 and 18 <= median_age <= 90 and years.max() <= this_year:
        _set(f, "quasi", "DATE_OF_BIRTH", 0.5, p.date_share, rule="value-shape")
        f.reasons.append(f"dates spread over {span} years with a median age of {median_age:.0f}: birth dates")
        return True
    return False


# -- 5. free text ------------------------------------------------------------------------------


def _free_text(
    f: ColumnFinding,
    p: ColumnProfile,
    hints: Sequence[HeaderHint],
    _r: object,
    text_recs: Sequence[ValueRecognizer],
    th: Thresholds,
    ner: NerModel,
) -> bool:
    named_text = any(h.concept == "FREE_TEXT" for h in hints)
    prose = p.mean_words >= 4 or (p.mean_len >= 30 and p.mean_words >= 2) or p.long_share >= 0.05
    if p.kind != "text" or not (prose or named_text):
        return False
    counts = p.counts.iloc[:FREE_TEXT_MAX_VALUES]
    values = text_values(counts.index)
    texts: list[str] = [str(v) for v in values]
    weights = counts.to_numpy(dtype=float)
    total = weights.sum()
    hits = np.zeros(len(values), dtype=bool)
    found: dict[str, float] = {}
    for rec in text_recs:
        pre = (
            values.str.contains(rec.text_prefilter, regex=True)
            if rec.text_prefilter is not None
            else pd.Series(True, index=values.index)
        )
        rows = np.zeros(len(values), dtype=bool)
        try:
            for i in np.flatnonzero(pre.to_numpy()):
                rows[i] = rec.matches(texts[int(i)], whole=False)
        except RecognizerFailed as exc:
            return _fail_closed(f, rec, exc)
        if rows.any():
            found[rec.entity] = float(weights[rows].sum() / total)
            hits |= rows
    share = float(weights[hits].sum() / total)
    # NER only on real prose: on short multi-word values (company names, job titles) it sees people
    # everywhere ("Smith, Jones and Brown")
    prose_for_ner = named_text or p.mean_words >= 4
    if (share < th.free_text_min_share or hits.sum() < 2) and ner.available and prose_for_ner:
        labels = ner.labels(texts)
        person = np.array([bool(lab & PERSON_LABELS) for lab in labels])
        if person.any():
            found["PERSON"] = float(weights[person].sum() / total)
            hits |= person
            share = float(weights[hits].sum() / total)
    if share < th.free_text_min_share or hits.sum() < 2:
        if found:
            f.reasons.append("free text; too few rows with personal data to flag the column")
        return False
    entities = sorted(found, key=lambda e: -found[e])
    special = [e for e in entities if e in SPECIAL]
    f.free_text = True
    f.rule = "free-text"
    # a note that mentions a diagnosis or a medicine is health data about the person it describes
    f.category = "special" if special else "direct"
    f.special_category = special[0] if special else None
    f.entities = entities
    f.coverage = share
    f.score = 0.6 + 0.4 * min(1.0, share * 2)
    f.reasons.append(
        f"free text: {share:.0%} of sampled rows contain "
        + ", ".join(f"{e} ({found[e]:.0%})" for e in entities)
    )
    return True


# -- 6. names and places through NER ------------------------------------------------------------


def _ner_names(
    f: ColumnFinding,
    p: ColumnProfile,
    _h: object,
    _r: object,
    _t: object,
    _th: Thresholds,
    ner: NerModel,
) -> bool:
    if p.kind != "text" or not ner.available:
        return False
    if p.title_share < 0.8 or p.alpha_share < 0.8 or p.mean_words > 4 or p.distinct < 5:
        return False
    counts = p.counts.iloc[:NER_MAX_VALUES]
    values = list(counts.index.astype(str))
    weights = counts.to_numpy(dtype=float)
    labels = ner.labels(values)
    person = float(weights[[bool(lab & PERSON_LABELS) for lab in labels]].sum() / weights.sum())
    place = float(weights[[bool(lab & PLACE_LABELS) for lab in labels]].sum() / weights.sum())
    # a header that rules people out (product, company) is not overruled by NER
    if person >= 0.4 and person >= place and not cancels(p.name, "PERSON"):
        _set(f, "direct", "PERSON", 0.4 + 0.5 * person, person, rule="ner")
        f.reasons.append(f"NER ({ner.name}) finds person names in {person:.0%} of sampled values")
        return True
    if place >= 0.5:
        _set(f, "quasi", "LOCATION", 0.4 + 0.4 * place, place, rule="ner")
        f.reasons.append(f"NER ({ner.name}) finds places in {place:.0%} of sampled values")
        return True
    return False
