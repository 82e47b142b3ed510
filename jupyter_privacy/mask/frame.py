"""Masking a whole DataFrame according to its scan findings and the policy's masking rules."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa

from ..detect.findings import ColumnFinding, ScanResult
from ..detect.recognizers import PHONE_REGIONS, builtin_recognizers, custom_recognizers, text_recognizers
from .keys import MaskingKey
from .normalise import erasure_digests
from .strategies import (
    generalise_age,
    generalise_coordinate,
    generalise_date,
    generalise_prefix,
    mask_free_text,
    redact,
)
from .tokens import GroupedColumn, distinct_strings, group_column, tokenise

if TYPE_CHECKING:
    from ..policy import Policy

DEFAULT_PREFIX = 2
PARALLEL_COLUMNS = 2


@dataclass
class ColumnMasking:
    """What was done to one column (no values): for summaries and the processing log."""

    column: str
    category: str
    entities: list[str]
    strategy: str  # pseudonymise | redact | generalise | keep | free_text
    detail: str
    spans: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        if not self.spans:
            del out["spans"]
        return out


@dataclass
class MaskedFrame:
    frame: pd.DataFrame
    columns: list[ColumnMasking]
    key_id: str
    # column position of a direct identifier -> its erasure digests (normalised values; see .normalise)
    distinct_digests: dict[int, Any] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"key_id": self.key_id, "columns": [c.to_dict() for c in self.columns]}


def mask_frame(
    df: pd.DataFrame, scan: ScanResult, policy: Policy, key: MaskingKey, *, inplace: bool = False
) -> MaskedFrame:
    """A copy of ``df`` with every flagged column masked per the policy; unflagged columns untouched.

    Columns are matched to findings by position, so duplicate or non-string column names are fine.
    ``inplace=True`` replaces the columns of ``df`` itself, so each raw column is freed as soon as its
    masked version exists (a governed load never holds the raw and the masked frame at once).
    """
    out = df if inplace else df.copy(deep=False)
    applied: dict[int, ColumnMasking] = {}
    texts = None
    structured: list[tuple[int, ColumnFinding]] = []
    for position, finding in enumerate(scan.columns):
        if not finding.flagged:
            continue
        if not finding.free_text:
            structured.append((position, finding))
            continue
        if texts is None:
            recs = custom_recognizers(policy.detection.custom_recognizers) + builtin_recognizers()
            texts = text_recognizers(recs)
        wanted = [r for r in texts if r.entity in finding.entities] or list(texts)
        masked, spans = mask_free_text(df.iloc[:, position], wanted, key)
        out.isetitem(position, masked)
        applied[position] = ColumnMasking(
            finding.name,
            finding.category,
            finding.entities,
            "free_text",
            "personal-data spans replaced by keyed tokens",
            spans,
        )

    # Grouping (Arrow), HMAC (polars-hash, Rust) and the gathers release the GIL: columns run two at a
    # time. A pseudonymised column is two tasks (group its rows; hash and spread the tokens), so the
    # two threads stay busy to the end instead of idling while the last column finishes.
    def first(item: tuple[int, ColumnFinding]) -> _Result | _Pending:
        position, finding = item
        raw = df.iloc[:, position]
        result = _mask_column(raw, finding, policy, key)
        if not isinstance(result, _Pending) and result[3] is None and finding.category == "direct":
            # erasure look-ups need the digests of every direct identifier, however it was masked
            result = (
                *result[:3],
                erasure_digests(distinct_strings(raw), _entity(finding), key, PHONE_REGIONS),
            )
        return result

    def second(pending: _Pending, finding: ColumnFinding) -> _Result:
        done = tokenise(pending.grouped, pending.entity, key)
        if finding.category != "direct":
            return done.series, pending.strategy, pending.detail, None
        values = pending.grouped.distinct
        if values is not None and pending.grouped.nulls is not None:
            values = values.slice(0, len(values) - 1)  # the null rows' placeholder
        values = values if values is not None else pa.array([], pa.large_string())
        digests = erasure_digests(values, pending.entity, key, PHONE_REGIONS, done.digests)
        return done.series, pending.strategy, pending.detail, digests

    distinct: dict[int, Any] = {}

    def finish(position: int, finding: ColumnFinding, result: _Result) -> None:
        masked_series, strategy, detail, digests = result
        out.isetitem(position, masked_series)
        applied[position] = ColumnMasking(finding.name, finding.category, finding.entities, strategy, detail)
        if digests is not None:
            distinct[position] = digests
        # hand the raw column's buffers back to the system now, not when Arrow's pool decides to
        pa.default_memory_pool().release_unused()

    with ThreadPoolExecutor(max_workers=PARALLEL_COLUMNS) as pool:
        started = {pool.submit(first, item): item for item in structured}
        tokenising: dict[Future[_Result], tuple[int, ColumnFinding]] = {}
        for future in as_completed(started):
            position, finding = started[future]
            result = future.result()
            if isinstance(result, _Pending):
                tokenising[pool.submit(second, result, finding)] = (position, finding)
            else:
                finish(position, finding, result)
        for done in as_completed(tokenising):
            finish(*tokenising[done], done.result())
    return MaskedFrame(out, [applied[p] for p in sorted(applied)], key.key_id, distinct)


def _entity(finding: ColumnFinding) -> str:
    return finding.entities[0] if finding.entities else finding.category.upper()


_Result = tuple[pd.Series, str, str, Any]
"""A masked column, its strategy, a description, and the digests of its distinct values (or None)."""


@dataclass
class _Pending:
    """A column to pseudonymise whose rows are grouped; the tokens are still to be computed."""

    grouped: GroupedColumn
    entity: str
    strategy: str
    detail: str


def _mask_column(
    series: pd.Series, finding: ColumnFinding, policy: Policy, key: MaskingKey
) -> _Result | _Pending:
    """The masked column (or, for pseudonyms, its grouped rows still to be tokenised)."""
    entity = _entity(finding)
    rule = policy.masking.rule_for(entity, finding.category)
    strategy = rule.strategy
    if strategy == "keep":
        return series, "keep", "kept as is by the policy (not masked)", None
    if strategy == "redact":
        return redact(series), "redact", "values replaced by [REDACTED]", None
    if strategy == "generalise":
        if entity == "DATE_OF_BIRTH":
            granularity = rule.granularity or "year"
            return (
                generalise_date(series, granularity),
                "generalise",
                f"dates reduced to their {granularity}",
                None,
            )
        if entity in ("POSTCODE", "UK_POSTCODE"):
            keep = rule.keep_prefix if rule.keep_prefix is not None else DEFAULT_PREFIX
            return generalise_prefix(series, keep), "generalise", f"kept the first {keep} characters", None
        if entity == "AGE":
            return generalise_age(series), "generalise", "ages in ten-year bands", None
        if entity == "GEO_COORDINATE":
            return generalise_coordinate(series), "generalise", "rounded to 0.1 degree", None
        return _Pending(
            group_column(series),
            entity,
            "pseudonymise",
            "no generalisation hierarchy for this entity; keyed pseudonyms instead",
        )
    return _Pending(
        group_column(series), entity, "pseudonymise", f"keyed pseudonyms (HMAC-SHA256, {key.key_id})"
    )


def mask_series(series: pd.Series, finding: ColumnFinding, policy: Policy, key: MaskingKey) -> pd.Series:
    """One flagged column masked exactly as :func:`mask_frame` masks it (other engines mask batch by
    batch with this, so their tokens are the pandas path's tokens)."""
    if finding.free_text:
        recs = text_recognizers(
            custom_recognizers(policy.detection.custom_recognizers) + builtin_recognizers()
        )
        return mask_free_text(series, [r for r in recs if r.entity in finding.entities] or list(recs), key)[0]
    result = _mask_column(series, finding, policy, key)
    if isinstance(result, _Pending):
        return tokenise(result.grouped, result.entity, key).series
    return result[0]
