"""File -> DataFrame for the formats the scanner and the kernel accept.

Every failure becomes a :class:`DataReadError` naming the file, what went wrong and what to do;
the message never quotes file contents (a CSV line may hold personal data).
"""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import json
import lzma
import os
import re
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

_COMPRESSION = (".gz", ".bz2", ".xz", ".zip", ".zst")
SUPPORTED_SUFFIXES = (
    ".csv",
    ".tsv",
    ".tab",
    ".txt",
    ".parquet",
    ".pq",
    ".json",
    ".jsonl",
    ".ndjson",
    ".xlsx",
    ".xlsm",
    ".xls",
    ".feather",
    ".arrow",
)


class DataReadError(Exception):
    """A data file could not be read; the message says why and what to do."""


def _suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _COMPRESSION:
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def read_table(
    path: str | os.PathLike[str],
    *,
    sheet: str | int | None = None,
    labels_are_data: bool = False,
    columns: list[str] | None = None,
) -> pd.DataFrame:
    """Read a CSV/TSV, Parquet, JSON/JSONL, Excel or Feather file into a DataFrame.

    ``labels_are_data=True`` is for a file whose column names turned out to be personal data (see
    ``detect.labels``): delimited text and Excel are read without a header row (columns
    ``column_1``, ``column_2``, ...), a JSON object of objects one row per key with the key in a
    column ``key``. Other formats are read as usual. ``columns`` reads only those columns (see
    :mod:`.columns`).
    """
    p = Path(path)
    if not p.exists():
        raise DataReadError(f"{p}: no such file; check the path (relative paths start at {Path.cwd()})")
    if p.is_dir():
        raise DataReadError(f"{p}: is a directory; give the path of one data file")
    if not os.access(p, os.R_OK):
        raise DataReadError(
            f"{p}: permission denied; ask for read access or copy the file somewhere readable"
        )
    suffix = _suffix(p)
    reader = _READERS.get(suffix)
    if reader is None:
        raise DataReadError(
            f"{p}: unsupported file type '{suffix or p.name}'; supported: {', '.join(SUPPORTED_SUFFIXES)} "
            "(optionally compressed: .gz, .bz2, .xz, .zip, .zst)"
        )
    if p.stat().st_size == 0:
        raise DataReadError(f"{p}: the file is empty (0 bytes); nothing to scan")
    try:
        if columns is not None:
            from .columns import read_selected

            df = read_selected(p, suffix, sheet, columns, reader)
        else:
            df = _READERS_NO_HEADER.get(suffix, reader)(p, sheet) if labels_are_data else reader(p, sheet)
    except DataReadError:
        raise
    except ImportError as exc:
        raise DataReadError(f"{p}: reading {suffix} files needs an extra package: {exc}") from None
    except (UnicodeDecodeError, pd.errors.ParserError, ValueError, OSError, EOFError) as exc:
        raise DataReadError(
            f"{p}: could not be read as {suffix[1:].upper()} ({type(exc).__name__}: {_short(exc)}); "
            "check that the file is not corrupt and that its extension matches its contents"
        ) from None
    except Exception as exc:
        raise DataReadError(
            f"{p}: could not be read as {suffix[1:].upper()} ({type(exc).__name__}: {_short(exc)}); "
            "check that the file is not corrupt and that its extension matches its contents"
        ) from None
    if not isinstance(df, pd.DataFrame):
        raise DataReadError(f"{p}: does not hold a table (got {type(df).__name__})")
    return df


_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"|`[^`\n]*`")
# values quoted without quotes: "unable to parse: Victor de Boer" (pandas' date parser), and anything
# shaped like an e-mail address or a phone number wherever it stands
_AFTER_COLON = re.compile(
    r"(?i)(\b(?:parse|format|value|string|literal)\s*:\s*)(?![\'\"`\u2026\[])[^,;()\n]*[^,;()\s]"
)
_EMAIL_OR_PHONE = re.compile(r"[^\s@'\"]+@[^\s@'\"]+\.\w+|\+?\d[\d ()./-]{5,}\d")


def describe_error(exc: BaseException, limit: int = 120) -> str:
    """The first line of a third-party error message with every quoted fragment blanked out.

    Parsers and database drivers sometimes quote the offending value (``invalid input syntax for
    type integer: 'alice@example.org'``); such a value may be personal data and must not reach a
    message, so anything in quotes becomes ``'…'``, and so does a value quoted without quotes
    (``unable to parse: Victor de Boer``) or shaped like an e-mail address or a phone number.
    Positions, types and field counts stay.
    """
    text = str(exc).strip()
    first = text.splitlines()[0] if text else "no details"
    first = _AFTER_COLON.sub(lambda m: m.group(1) + "…", _QUOTED.sub("'…'", first))
    return _EMAIL_OR_PHONE.sub(_digits_or_value, first)[:limit]


def _digits_or_value(match: re.Match[str]) -> str:
    """A phone-like run of at least seven digits or an e-mail address is blanked; shorter numbers (a
    position, a field count) stay."""
    text = match.group(0)
    return "…" if "@" in text or sum(ch.isdigit() for ch in text) >= 7 else text


def _short(exc: BaseException) -> str:
    return describe_error(exc)


def _read_delimited(p: Path, sep: str | None, header: bool = True, **extra: Any) -> pd.DataFrame:
    head = _head(p)
    # Excel's "Unicode Text" export is UTF-16 (with a BOM): full of NUL bytes, yet text
    encoding = "utf-16" if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else None
    if sep is None:
        sep = _sniff(p, head, encoding)
    # low_memory=False would avoid DtypeWarning on mixed columns but parses 2.5x slower; the warning
    # (a column with mixed types) says nothing a scan does not show, so it is silenced instead
    options: dict[str, Any] = {"sep": sep} if header else {"sep": sep, "header": None}
    options.update(extra)  # e.g. usecols (io.columns) or nrows
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pd.errors.DtypeWarning)
        try:
            return _numbered(pd.read_csv(p, encoding=encoding, **options), header)
        except UnicodeDecodeError:
            if encoding is not None:
                raise
            # Excel on Windows still writes cp1252; latin-1 decodes every byte, so this cannot fail twice
            return _numbered(pd.read_csv(p, encoding="latin-1", **options), header)
        except pd.errors.EmptyDataError:
            raise DataReadError(f"{p}: has no header line and no data; nothing to scan") from None


def _numbered(df: pd.DataFrame, header: bool) -> pd.DataFrame:
    """Columns of a file read without a header row: ``column_1``, ``column_2``, ..."""
    if not header:
        df.columns = [f"column_{i}" for i in range(1, df.shape[1] + 1)]
    return df


def _head(p: Path, size: int = 64 * 1024) -> bytes:
    """The first bytes of the (decompressed) file; empty when a compressed file cannot be opened.

    Sniffing must look at the text pandas will parse: a ``.csv.gz`` export is as likely to be
    semicolon-separated as a plain one. A corrupt archive yields nothing here and fails in pandas.
    """
    suffix = p.suffix.lower()
    try:
        if suffix == ".gz":
            with gzip.open(p, "rb") as fh:
                return fh.read(size)
        if suffix == ".bz2":
            with bz2.open(p, "rb") as fh:
                return fh.read(size)
        if suffix == ".xz":
            with lzma.open(p, "rb") as fh:
                return fh.read(size)
        if suffix == ".zip":
            with zipfile.ZipFile(p) as zf:
                names = zf.namelist()
                if len(names) != 1:
                    return b""
                with zf.open(names[0]) as fh:
                    return fh.read(size)
        if suffix in _COMPRESSION:
            return b""  # .zst: left to pandas (needs the zstandard package)
        with p.open("rb") as fh:
            return fh.read(size)
    except (OSError, EOFError, lzma.LZMAError, zipfile.BadZipFile):
        return b""


def _sniff(p: Path, head: bytes, encoding: str | None) -> str:
    if encoding is None and b"\x00" in head:
        raise DataReadError(
            f"{p}: looks like a binary file, not delimited text; check the extension matches the contents"
        )
    text = head.decode(encoding or "utf-8", errors="replace")
    try:
        return csv.Sniffer().sniff(text, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _read_json(p: Path) -> pd.DataFrame:
    with p.open("rb") as fh:
        first = fh.read(4096).lstrip()
    if first[:1] == b"[" or (first[:1] == b"{" and not _looks_like_lines(p)):
        try:
            return pd.read_json(p)
        except ValueError:
            data = json.loads(p.read_bytes())
            if isinstance(data, dict) and data and all(isinstance(v, dict) for v in data.values()):
                return pd.json_normalize(list(data.values()))
            return pd.json_normalize(data)  # a single object: one record
    return pd.read_json(p, lines=True)


def _read_keyed_json(p: Path) -> pd.DataFrame:
    """A JSON object of objects (``{"alice@x.org": {...}, ...}``): one row per key, the key in ``key``."""
    data = json.loads(p.read_bytes())
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        return _read_json(p)
    rows = pd.json_normalize(list(data.values()))
    rows.insert(0, "key" if "key" not in rows.columns else "_key", list(data.keys()))
    return rows


def _looks_like_lines(p: Path) -> bool:
    with p.open("rb") as fh:
        lines = [line for line in (fh.readline() for _ in range(3)) if line.strip()]
    return len(lines) >= 2 and all(
        line.strip().startswith(b"{") and line.strip().endswith(b"}") for line in lines
    )


def _read_excel(p: Path, sheet: str | int | None) -> pd.DataFrame:
    try:
        return pd.read_excel(p, sheet_name=0 if sheet is None else sheet)
    except ValueError as exc:
        if "Worksheet" in str(exc) or "sheet" in str(exc).lower():
            raise DataReadError(f"{p}: no sheet {sheet!r}; {exc}") from None
        raise


def _read_excel_no_header(p: Path, sheet: str | int | None) -> pd.DataFrame:
    return _numbered(pd.read_excel(p, sheet_name=0 if sheet is None else sheet, header=None), False)


_READERS_NO_HEADER: dict[str, Callable[[Path, Any], pd.DataFrame]] = {
    ".csv": lambda p, _s: _read_delimited(p, None, header=False),
    ".txt": lambda p, _s: _read_delimited(p, None, header=False),
    ".tsv": lambda p, _s: _read_delimited(p, "\t", header=False),
    ".tab": lambda p, _s: _read_delimited(p, "\t", header=False),
    ".json": lambda p, _s: _read_keyed_json(p),
    ".xlsx": _read_excel_no_header,
    ".xlsm": _read_excel_no_header,
    ".xls": _read_excel_no_header,
}
_READERS: dict[str, Callable[[Path, Any], pd.DataFrame]] = {
    ".csv": lambda p, _s: _read_delimited(p, None),
    ".txt": lambda p, _s: _read_delimited(p, None),
    ".tsv": lambda p, _s: _read_delimited(p, "\t"),
    ".tab": lambda p, _s: _read_delimited(p, "\t"),
    ".parquet": lambda p, _s: pd.read_parquet(p),
    ".pq": lambda p, _s: pd.read_parquet(p),
    ".json": lambda p, _s: _read_json(p),
    ".jsonl": lambda p, _s: pd.read_json(p, lines=True),
    ".ndjson": lambda p, _s: pd.read_json(p, lines=True),
    ".xlsx": _read_excel,
    ".xlsm": _read_excel,
    ".xls": _read_excel,
    ".feather": lambda p, _s: pd.read_feather(p),
    ".arrow": lambda p, _s: pd.read_feather(p),
}
