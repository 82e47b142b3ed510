"""Which source row is each row of a derived frame? Content alignment for unmasking.

Index labels are no row identity: ``reset_index``, ``sample`` or a merge renumber rows, and the old labels
then point at other people. A governed frame carries its identity in its contents instead: the masked
tokens (the same value always gives the same token) and the columns that hold no personal data. Each
row of the derived frame is matched to the source rows that hold the same values in every column it
still shares with the source; the raw value is handed out only when all those source rows agree on it.
A row that matches no source row (its values were changed) or source rows with different raw values
(nothing left to tell them apart) refuses the unmask, with the reason.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ..detect.findings import ColumnFinding, ScanResult
from .errors import UnmaskDenied


class SourceColumn:
    """One column of the source in the forms a derived frame may hold it: raw, and masked as loaded.

    The masked form is computed on first use (with the load's findings), so columns that are not
    needed as a key cost nothing. Free text has no masked form here (slow to mask again, and rarely
    needed as a key); its raw form still matches a column unmasked earlier.
    """

    def __init__(self, raw: pd.Series, masked: Callable[[], pd.Series] | None, *, plain: bool) -> None:
        self.raw = raw
        self.plain = plain  # holds no personal data: masked and raw are the same
        self._mask = masked
        self._masked: pd.Series | None = raw if plain else None

    @property
    def masked(self) -> pd.Series | None:
        if self._masked is None and self._mask is not None:
            self._masked = self._mask()
        return self._masked


def _codes(source: pd.Series, target: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """Integer codes of ``source`` and of ``target`` in one code space, or None when a target value
    does not occur in the source (the column was changed after the load)."""
    both = pd.concat([source, target], ignore_index=True) if len(target) else source
    codes = pd.factorize(both, use_na_sentinel=False)[0]
    n = len(source)
    # codes follow first appearance, so values only the target holds get codes past the source's
    if len(target) and codes[n:].max() > codes[:n].max(initial=-1):
        return None
    return codes[:n].astype(np.int64), codes[n:].astype(np.int64)


def _key_codes(column: SourceColumn, target: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """Codes under the masked form, else under the raw form (a column unmasked earlier), else None."""
    codes = _codes(column.masked, target) if column.masked is not None else None
    if codes is None and column.raw is not column.masked:
        codes = _codes(column.raw, target)
    return codes


def _keys(
    frame: pd.DataFrame, source: dict[str, SourceColumn], n_source: int, requested: list[str]
) -> tuple[tuple[np.ndarray, np.ndarray] | None, list[str]]:
    """One integer key per source row and per frame row, from the columns the frame still shares with
    the source, stopping once the key tells every source row apart. The requested columns come first
    (a raw value is handed out only where the row's own masked token agrees), then plain columns (no
    masking needed), then the other masked ones. Source and frame codes share one code space."""
    names = list(frame.columns)
    order = sorted(
        (n for n in source if names.count(n) == 1),
        key=lambda n: (n not in requested, not source[n].plain, names.index(n)),
    )
    combined: np.ndarray | None = None
    used: list[str] = []
    for name in order:
        codes = _key_codes(source[name], frame[name])
        if codes is None:
            continue
        nxt = np.concatenate(codes)
        if combined is None:
            combined = nxt
        else:
            pairs = combined * (int(nxt.max()) + 1) + nxt
            combined = pd.factorize(pairs)[0].astype(np.int64)
        used.append(name)
        if name not in requested and np.bincount(combined[:n_source]).max(initial=0) <= 1:
            break  # every source row has its own key: more columns cannot tell rows apart any better
    if combined is None:
        return None, used
    return (combined[:n_source], combined[n_source:]), used


def _identity_frame(derived: pd.DataFrame, source_names: set[str]) -> pd.DataFrame:
    """``derived`` with index levels named like source columns moved back into columns (``set_index``)."""
    names = [n for n in derived.index.names if n in source_names and n not in derived.columns]
    if not names or len(set(names)) != len(names):
        return derived
    return derived.reset_index(level=names)


def align(derived: pd.DataFrame, source: dict[str, SourceColumn], requested: list[str]) -> pd.DataFrame:
    """The raw values of ``requested`` for each row of ``derived`` (same order), matched by content.

    ``source`` holds the source's columns (uniquely named ones) in masked and raw form. Raises
    :class:`UnmaskDenied` when some row cannot be matched to exactly one raw value.
    """
    if len(derived) == 0:
        return pd.DataFrame({name: source[name].raw.iloc[:0] for name in requested})
    frame = _identity_frame(derived, set(source))
    n_source = len(next(iter(source.values())).raw) if source else 0
    keys, key_names = _keys(frame, source, n_source, requested)
    if not keys:
        raise UnmaskDenied(
            "the rows of this frame cannot be matched to the source: none of its columns still holds the "
            "values it was loaded with; keep an identifying column (a masked one works) and derive again"
        )
    src_key, tgt_key = keys
    first = _first_rows(src_key, int(max(src_key.max(initial=-1), tgt_key.max(initial=-1))) + 1)
    match = first[tgt_key]
    unmatched = match < 0
    if unmatched.any():
        raise UnmaskDenied(
            f"{int(unmatched.sum())} row(s) of this frame match no row of the source on "
            f"{_names(key_names)} (their values were changed or combined from different rows); unmask "
            "the loaded frame, then derive from it"
        )
    out: dict[str, pd.Series] = {}
    for name in requested:
        raw = source[name].raw
        codes = pd.factorize(raw, use_na_sentinel=False)[0]
        differs = codes != codes[first[src_key]]
        ambiguous = np.zeros(len(first), dtype=bool)
        ambiguous[src_key[differs]] = True
        hit = ambiguous[tgt_key]
        if hit.any():
            raise UnmaskDenied(
                f"{int(hit.sum())} row(s) of this frame cannot be told apart from other rows of the source "
                f"that hold a different {name}: they are equal in {_names(key_names)}; keep an identifying "
                "column (e.g. a masked e-mail or an id) in the frame, then unmask"
            )
        out[name] = raw.iloc[match].reset_index(drop=True)
    return pd.DataFrame(out)


def _first_rows(keys: np.ndarray, size: int) -> np.ndarray:
    """For each key value, the position of the first source row holding it (-1: no source row)."""
    first = np.full(size, -1, dtype=np.int64)
    first[keys[::-1]] = np.arange(len(keys) - 1, -1, -1)
    return first


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:6])
    return shown + (f" and {len(names) - 6} more" if len(names) > 6 else "")


def source_columns(
    raw: pd.DataFrame,
    scan: ScanResult,
    wanted: set[str],
    mask: Callable[[pd.DataFrame, ScanResult], pd.DataFrame],
) -> dict[str, SourceColumn]:
    """The ``wanted`` source columns (uniquely named ones), raw and -- on demand -- masked as loaded."""
    names = list(map(str, raw.columns))
    out: dict[str, SourceColumn] = {}
    for i, name in enumerate(names):
        if name not in wanted or names.count(name) > 1:
            continue
        finding, column = scan.columns[i], raw.iloc[:, i]
        masker = None
        if finding.flagged and not finding.free_text:
            masker = _masker(column, finding, scan, mask)
        out[name] = SourceColumn(column, masker, plain=not finding.flagged)
    return out


def _masker(
    column: pd.Series,
    finding: ColumnFinding,
    scan: ScanResult,
    mask: Callable[[pd.DataFrame, ScanResult], pd.DataFrame],
) -> Callable[[], pd.Series]:
    def masked() -> pd.Series:
        single = ScanResult(scan.source, len(column), 0, [finding])
        return mask(column.to_frame(), single).iloc[:, 0]

    return masked


def check_requested(derived: pd.DataFrame, scan: ScanResult, source: str, requested: list[str]) -> None:
    """Refuse, with what to do, column requests that name no unmaskable column of this frame."""
    twice = sorted({c for c in requested if requested.count(c) > 1})
    if twice:
        raise UnmaskDenied(f"column(s) {_quoted(twice)} named more than once; name each column once")
    frame_columns = {str(c) for c in derived.columns}
    in_index = [c for c in requested if c not in frame_columns and c in derived.index.names]
    if in_index:
        raise UnmaskDenied(
            f"column(s) {_quoted(in_index)} are in this frame's index, not its columns; call "
            ".reset_index() first, or unmask before set_index"
        )
    missing = [c for c in requested if c not in frame_columns]
    if missing:
        raise UnmaskDenied(f"no column(s) {_quoted(missing)} in this frame")
    loaded = [c.name for c in scan.columns]
    added = [c for c in requested if c not in loaded]
    if added:
        raise UnmaskDenied(
            f"column(s) {_quoted(added)} are not columns of the dataset loaded from {source}: they were "
            "added or renamed after the load and hold no masked source values; unmask the source column "
            "and derive it again"
        )
    repeated = [c for c in requested if loaded.count(c) > 1]
    if repeated:
        raise UnmaskDenied(
            f"the dataset loaded from {source} has several columns named {_quoted(repeated)}; rename them "
            "when reading (e.g. pandas names=) and load it again"
        )


def _quoted(names: list[str]) -> str:
    return ", ".join(map(repr, names))
