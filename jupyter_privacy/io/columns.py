"""Read only the columns a notebook needs (data minimisation, GDPR Art. 5(1)(c)).

The selection is pushed to the reader, so the other columns never reach the kernel: ``usecols`` for
delimited text and Excel, ``columns`` for Parquet and Feather (which then read only those column
chunks). JSON has no column selection in pandas: it is read whole and cut down at once, before it is
scanned or masked.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from .readers import DataReadError, _read_delimited

_EXCEL = (".xlsx", ".xlsm", ".xls")


def available_columns(p: Path, suffix: str, sheet: str | int | None) -> list[str] | None:
    """The column names of a file, read cheaply (header or schema only); None when that is not possible."""
    if suffix in (".csv", ".txt", ".tsv", ".tab"):
        sep = "\t" if suffix in (".tsv", ".tab") else None
        return [str(c) for c in _read_delimited(p, sep, nrows=0).columns]
    if suffix in (".parquet", ".pq"):
        return list(pq.read_schema(p).names)
    if suffix in _EXCEL:
        return [str(c) for c in pd.read_excel(p, sheet_name=0 if sheet is None else sheet, nrows=0).columns]
    return None


def read_selected(
    p: Path,
    suffix: str,
    sheet: str | int | None,
    columns: list[str],
    reader: Callable[[Path, Any], pd.DataFrame],
) -> pd.DataFrame:
    """Read ``columns`` of ``p`` (in that order); names that are not in the file are an error."""
    if not columns:
        raise DataReadError(f"{p}: --columns names no column; give names separated by commas")
    known = available_columns(p, suffix, sheet)
    if known is not None:
        _check(p, columns, known)
    if suffix in (".csv", ".txt"):
        df = _read_delimited(p, None, usecols=columns)
    elif suffix in (".tsv", ".tab"):
        df = _read_delimited(p, "\t", usecols=columns)
    elif suffix in (".parquet", ".pq"):
        df = pd.read_parquet(p, columns=columns)
    elif suffix in (".feather", ".arrow"):
        df = pd.read_feather(p, columns=columns)
    elif suffix in _EXCEL:
        df = pd.read_excel(p, sheet_name=0 if sheet is None else sheet, usecols=columns)
    else:
        df = reader(p, sheet)
        _check(p, columns, [str(c) for c in df.columns])
    return df[columns]


def _check(p: Path, columns: list[str], known: list[str]) -> None:
    missing = [c for c in columns if c not in known]
    if missing:
        raise DataReadError(unknown_columns(f"{p}: ", "this file", missing, known))


def unknown_columns(where: str, what: str, missing: list[str], known: list[str]) -> str:
    """The error for names that are not among ``known``. The names are not listed: in a file without a
    header row they are its first row's values (a person's e-mail). Only a name the user nearly typed
    (another case, a typo) is suggested."""
    near: list[str] = []
    for name in missing:
        same = [k for k in known if k.casefold() == name.casefold()]
        near += same or difflib.get_close_matches(name, known, n=1, cutoff=0.8)
    hint = f"; did you mean {', '.join(map(repr, dict.fromkeys(near)))}?" if near else ""
    return (
        f"{where}no column(s) {', '.join(map(repr, missing))} in {what} ({len(known)} columns){hint} "
        "(names match exactly, in their case)"
    )
