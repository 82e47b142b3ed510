"""A leak scanner for tests: does any raw value of an input appear in an artefact?

Artefacts are read the way a person (or a program) would read them, not as bytes: the rows of a
SQLite database are decoded (JSON text is parsed and every string in it is searched), HTML is
unescaped, JSON documents are parsed so that ``\\u00e9`` escapes do not hide a value. A byte search of
a SQLite or WAL file would give false hits on short names and miss values stored escaped.

Usage::

    scanner = LeakScanner(needles)           # the raw personal-data values of the inputs
    scanner.sqlite("log db", ledger_path)
    scanner.text("saved notebook", path.read_text())
    scanner.json("REST /state", body)
    assert not scanner.leaks, scanner.report()
"""

from __future__ import annotations

import html
import json
import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MIN_NEEDLE = 6  # shorter values ("Jan", "1234") occur by chance in hashes, paths and prose


@dataclass(frozen=True)
class Leak:
    artefact: str
    needle: str
    context: str

    def __str__(self) -> str:
        return f"{self.artefact}: {self.needle!r} in …{self.context}…"


def needle_variants(value: str) -> set[str]:
    """The forms a raw value may take in an artefact: as written, and phones in E.164-like digits."""
    value = value.strip()
    forms = {value}
    digits = re.sub(r"[^\d+]", "", value)
    if len(re.sub(r"\D", "", digits)) >= 9 and not re.search(r"[A-Za-z@]", value):
        forms.add(digits)
    return {f for f in forms if len(f) >= MIN_NEEDLE}


@dataclass
class LeakScanner:
    """Collects :class:`Leak` s of ``values`` over every artefact handed to it."""

    values: Iterable[str]
    leaks: list[Leak] = field(default_factory=list)
    scanned: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        needles = {n.casefold() for v in self.values for n in needle_variants(str(v))}
        if not needles:
            raise ValueError("no raw value long enough to search for")
        # one alternation, longest first: a single pass over each text
        ordered = sorted(needles, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(n) for n in ordered))
        self.needles = needles

    # -- artefact kinds -------------------------------------------------------------------------

    def text(self, artefact: str, text: str) -> None:
        """Plain text (CSV, logs, a saved notebook); also searched HTML-unescaped."""
        self.scanned.append(artefact)
        self._search(artefact, text)
        unescaped = html.unescape(text)
        if unescaped != text:
            self._search(artefact + " (unescaped)", unescaped)

    def json(self, artefact: str, document: Any) -> None:
        """A parsed JSON document (or its text): every key and string value, decoded."""
        if isinstance(document, str | bytes):
            try:
                document = json.loads(document)
            except ValueError:
                self.text(
                    artefact, document.decode("utf-8", "replace") if isinstance(document, bytes) else document
                )
                return
        self.scanned.append(artefact)
        for where, string in _strings(document, artefact):
            self._search(where, string)
            unescaped = html.unescape(string)
            if unescaped != string:
                self._search(where, unescaped)

    def jsonl(self, artefact: str, text: str) -> None:
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                self.json(f"{artefact} line {number}", line)

    def file(self, artefact: str, path: Path) -> None:
        """A file by its kind: SQLite databases decoded, JSON parsed, anything else as text.

        A database's ``-wal``/``-shm`` files are skipped: opening the database reads the WAL's pages.
        """
        if path.name.endswith(("-wal", "-shm", "-journal")):
            return
        head = path.read_bytes()[:16]
        if head.startswith(b"SQLite format 3"):
            self.sqlite(artefact, path)
        elif path.suffix in (".json", ".ipynb"):
            self.json(artefact, path.read_text("utf-8"))
        elif path.suffix in (".jsonl", ".ndjson"):
            self.jsonl(artefact, path.read_text("utf-8"))
        else:
            self.text(artefact, path.read_text("utf-8", errors="replace"))

    def sqlite(self, artefact: str, path: Path) -> None:
        """Every text cell of every table (JSON text parsed); blobs decoded as UTF-8 where they are text."""
        self.scanned.append(artefact)
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                for rowid, row in enumerate(conn.execute(f'SELECT * FROM "{table}"')):
                    for column, cell in enumerate(row):
                        self._cell(f"{artefact} {table}[{rowid}][{column}]", cell)
        finally:
            conn.close()

    # -- internals ------------------------------------------------------------------------------

    def _cell(self, where: str, cell: Any) -> None:
        if isinstance(cell, bytes):
            try:
                cell = cell.decode("utf-8")
            except UnicodeDecodeError:
                return  # binary (filter bits): nothing a person could read
        if not isinstance(cell, str):
            return
        try:
            document = json.loads(cell)
        except ValueError:
            self._search(where, cell)
            return
        for inner, string in _strings(document, where):
            self._search(inner, string)

    def _search(self, where: str, text: str) -> None:
        folded = text.casefold()
        for match in self._pattern.finditer(folded):
            start, end = match.span()
            context = text[max(0, start - 40) : end + 40].replace("\n", " ")
            self.leaks.append(Leak(where, text[start:end], context))

    def report(self, limit: int = 40) -> str:
        lines = [f"{len(self.leaks)} raw value(s) found in artefacts:"]
        lines += [f"  {leak}" for leak in self.leaks[:limit]]
        if len(self.leaks) > limit:
            lines.append(f"  ... and {len(self.leaks) - limit} more")
        by_artefact: dict[str, int] = {}
        for leak in self.leaks:
            key = re.split(r"[.\[ ]", leak.artefact, maxsplit=1)[0]
            by_artefact[key] = by_artefact.get(key, 0) + 1
        lines.append("per artefact: " + ", ".join(f"{k}: {v}" for k, v in sorted(by_artefact.items())))
        return "\n".join(lines)


def _strings(document: Any, where: str) -> Iterator[tuple[str, str]]:
    """(location, string) for every key and string value of a JSON document."""
    if isinstance(document, str):
        yield where, document
    elif isinstance(document, dict):
        for key, value in document.items():
            yield f"{where}.{key}"[:200], str(key)
            yield from _strings(value, f"{where}.{key}"[:200])
    elif isinstance(document, list):
        for i, value in enumerate(document):
            yield from _strings(value, f"{where}[{i}]")
