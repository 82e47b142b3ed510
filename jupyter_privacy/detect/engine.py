"""Scanning a DataFrame: sample once, profile each column, classify, sum up the frame."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import pandas as pd

from .classifier import Thresholds, classify
from .findings import ColumnFinding, ScanResult
from .headers import HeaderHint, match_header
from .ner import NerModel
from .profile import ColumnProfile, profile_column, sample_rows
from .recognizers import ValueRecognizer, builtin_recognizers, custom_recognizers, text_recognizers
from .reident import Grouping
from .subjects import judge_table

if TYPE_CHECKING:
    from ..policy import LoadedPolicy, Policy

log = logging.getLogger(__name__)

# frames at least this large (rows x columns) get a progress bar when one is asked for
PROGRESS_CELLS = 2_000_000


@lru_cache(maxsize=4)
def _ner(setting: str) -> NerModel:
    return NerModel(setting)


def _resolve_policy(policy: Policy | LoadedPolicy | None) -> tuple[Any, dict[str, Any] | None]:
    """The policy model plus a short description of where it came from (for the result)."""
    from ..policy import LoadedPolicy, load_policy

    if policy is None:
        policy = load_policy()
    if isinstance(policy, LoadedPolicy):
        return policy.policy, {"source": policy.source, "sha256": policy.sha256, "default": policy.is_default}
    return policy, None


def scan_dataframe(
    df: pd.DataFrame,
    policy: Policy | LoadedPolicy | None = None,
    *,
    source: str | None = None,
    progress: bool = False,
) -> ScanResult:
    """Classify every column of ``df`` as direct / special / quasi / none.

    Only a random sample of ``detection.sample_rows`` rows is analysed (distinct non-null values,
    at most ``detection.max_distinct`` per column); the re-identification figure uses the whole
    frame. The result holds names, types, counts and scores -- never a cell value.
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"scan() needs a pandas DataFrame, got {type(df).__name__}")
    model, policy_info = _resolve_policy(policy)
    settings = model.detection
    thresholds = Thresholds(
        min_coverage=settings.min_coverage,
        context_min_coverage=settings.context_min_coverage,
        free_text_min_share=settings.free_text_min_share,
    )
    customs = custom_recognizers(settings.custom_recognizers)
    recognizers: tuple[ValueRecognizer, ...] = customs + builtin_recognizers()
    in_text = text_recognizers(recognizers)
    extra_headers = {c.entity: list(c.header_keywords) + list(c.context) for c in settings.custom_recognizers}
    ner = _ner(settings.ner_model)
    ignored = {str(c) for c in settings.ignore_columns}

    grouping = Grouping(df)  # started before sampling, whose copies let the worker take the GIL
    hints = _header_hints(df, extra_headers, ignored, grouping)
    sample = sample_rows(df, settings.sample_rows)
    findings: list[ColumnFinding] = []
    profiled: list[tuple[ColumnProfile, ColumnFinding]] = []
    for position in _progress(range(df.shape[1]), df, progress):
        name = df.columns[position]
        column = sample.iloc[:, position]
        if str(name) in ignored:
            finding = ColumnFinding(
                name=str(name), dtype=str(column.dtype), reasons=["ignored by the policy"]
            )
        else:
            prof = profile_column(name, column, settings.max_distinct)
            finding = classify(prof, hints[position], recognizers, in_text, thresholds, ner)
            profiled.append((prof, finding))
            if finding.category == "quasi":
                grouping.add(position)  # hashed on another thread while the scan goes on
        findings.append(finding)

    table = judge_table(profiled)
    _coordinates_need_company(findings)
    quasi = [i for i, f in enumerate(findings) if f.category == "quasi"]
    reid = grouping.result(quasi, [findings[i].name for i in quasi])
    return ScanResult(
        source=source,
        rows=len(df),
        sampled_rows=len(sample),
        columns=findings,
        reidentification=reid,
        policy=policy_info,
        ner_model=ner.describe(),
        table=table,
    )


def _header_hints(
    df: pd.DataFrame, extra_headers: dict[str, list[str]], ignored: set[str], grouping: Grouping
) -> list[list[HeaderHint]]:
    """What each column's header says, handing each column whose header names a quasi-identifier to
    the re-identification grouping at once.

    Most such columns end up quasi-identifiers, and hashing them from the start overlaps the whole
    classification; one that does not is dropped (its hashing cancelled if it has not started).
    """
    hints = []
    for position, name in enumerate(df.columns):
        found = match_header(name, extra_headers)
        if found and found[0].category == "quasi" and str(name) not in ignored:
            grouping.add(position)
        hints.append(found)
    return hints


def _coordinates_need_company(findings: list[ColumnFinding]) -> None:
    """Coordinates locate a person only in a table about people: a weather station's latitude is not
    personal data. Unflag coordinates when nothing else in the frame is personal data."""
    coords = [f for f in findings if f.entities == ["GEO_COORDINATE"]]
    if coords and all(f.category == "none" or f in coords for f in findings):
        for f in coords:
            f.category, f.entities, f.score = "none", [], 0.0
            f.reasons.append("coordinates, but nothing else in this table is about a person")


def _progress(positions: range, df: pd.DataFrame, enabled: bool) -> Iterable[int]:
    if not enabled or df.shape[0] * df.shape[1] < PROGRESS_CELLS:
        return positions
    from tqdm.auto import tqdm

    return tqdm(positions, desc="scanning columns", unit="col", leave=False)


def ner_model(setting: str) -> NerModel:
    """The NER model of a ``detection.ner_model`` setting, loaded once per process."""
    return _ner(setting)
