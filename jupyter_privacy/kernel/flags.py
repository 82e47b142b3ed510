"""Users correcting the scanner from the notebook: a column may be flagged (masked more), never less.

``%privacy_flag df notes special HEALTH`` reclassifies one column of a governed dataset: the new category
must be at least as strict as the scanner's (special > direct > quasi > none), the entities are added to
what was found. The column is masked in the frame the user named, the dataset's findings change (so the
purpose gate asks for the new category from then on), and ``column_flagged`` is logged for the DPO.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..detect.findings import ColumnFinding, ScanResult
from ..mask import mask_frame
from ..policy.model import SPECIAL_CATEGORIES
from .errors import PrivacyError

if TYPE_CHECKING:
    from .session import Dataset, PrivacySession

STRICTNESS = {"none": 0, "quasi": 1, "direct": 2, "special": 3}
FLAG_CATEGORIES = ("direct", "quasi", "special")
_ENTITY = re.compile(r"^[A-Z][A-Z0-9_]*$")


class FlagError(PrivacyError):
    """A flag that would mask less, or names no governed column."""


def corrected(finding: ColumnFinding, category: str, entity: str | None) -> ColumnFinding:
    """``finding`` reclassified by the user; :class:`FlagError` if that would mask less or nothing new."""
    if category not in FLAG_CATEGORIES:
        raise FlagError(f"category must be one of {', '.join(FLAG_CATEGORIES)}, got {category!r}")
    if category == "special" and entity not in SPECIAL_CATEGORIES:
        raise FlagError(
            f"a special-category flag names its Art. 9 category: one of {', '.join(SPECIAL_CATEGORIES)}"
        )
    if entity is not None and not _ENTITY.match(entity):
        raise FlagError(f"entity must be an upper-case name such as EMAIL_ADDRESS or HEALTH, got {entity!r}")
    if STRICTNESS[category] < STRICTNESS[finding.category]:
        raise FlagError(
            f"column {finding.name!r} is already classified {finding.category}; a flag can only mask more "
            f"(a stricter category or more entities), never less. If the scanner over-flags, ask the admin "
            "to adjust the policy"
        )
    wanted = entity or category.upper()
    if category == finding.category and wanted in finding.entities:
        raise FlagError(
            f"column {finding.name!r} is already flagged {category} [{wanted}]; nothing to change"
        )
    entities = [wanted, *(e for e in finding.entities if e != wanted)]
    return dataclasses.replace(
        finding,
        category=category,
        entities=entities,
        special_category=entity if category == "special" else None,
        free_text=False,
        reasons=[*finding.reasons, f"flagged {category} [{wanted}] by the user"],
    )


def flag_column(
    session: PrivacySession, df: pd.DataFrame, column: str, category: str, entity: str | None
) -> dict[str, Any]:
    """Reclassify and mask ``column`` of ``df`` (in place); returns the logged ``column_flagged`` payload."""
    dataset = _dataset_of(session, df)
    names = [c.name for c in dataset.scan.columns]
    if column not in names or names.count(column) > 1 or list(map(str, df.columns)).count(column) != 1:
        message = (
            f"no column {column!r} of the dataset loaded from {dataset.source} in this frame; flag a column "
            "the load read (see %privacy_status; a column named by personal data goes by its token)"
        )
        raise FlagError(session.labels.message(message, [column], [dataset.source]))
    position = names.index(column)
    before = dataset.scan.columns[position]
    after = corrected(before, category, entity)
    single = ScanResult(dataset.source, len(df), 0, [after])
    current = df.iloc[:, list(map(str, df.columns)).index(column)]
    result = mask_frame(current.to_frame(), single, session.policy, session.key)
    (measure,) = result.columns
    previous = next((m for m in dataset.masking.columns if m.column == column), None)
    if previous is None or previous.strategy != measure.strategy:
        # masked values are masked further (never unmasked); already the same strategy: leave as is
        df.isetitem(list(map(str, df.columns)).index(column), result.frame.iloc[:, 0])
    dataset.scan.columns[position] = after
    dataset.masking.columns = [m for m in dataset.masking.columns if m.column != column] + [measure]
    payload = {
        "dataset": dataset.id,
        "column": column,
        "from": {"category": before.category, "entities": before.entities},
        "to": {
            "category": after.category,
            "entities": after.entities,
            "special_category": after.special_category,
        },
        "strategy": measure.strategy,
        "detail": measure.detail,
    }
    session.log("column_flagged", payload)
    return payload


def _dataset_of(session: PrivacySession, df: pd.DataFrame) -> Dataset:
    from .session import datasets_of

    ids = datasets_of(df)
    if len(ids) != 1 or ids[0] not in session.datasets:
        raise FlagError(
            "flag a column of a frame loaded in this kernel from one dataset (this frame "
            + ("was not loaded through jupyter-privacy)" if not ids else f"derives from {', '.join(ids)})")
        )
    dataset = session.datasets[ids[0]]
    if dataset.engine != "pandas":
        raise FlagError(
            f"this frame was converted from a {dataset.engine} DataFrame: load it again to flag a column"
        )
    return dataset
