"""The leak scanner itself: it finds planted values in every artefact kind, and nothing else."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from leakscan import LeakScanner

VALUES = ["anna.devries@example.org", "Anna de Vries", "+31 6 12345678", "Bo"]


def test_finds_values_as_written_escaped_and_in_other_case() -> None:
    scanner = LeakScanner(VALUES)
    scanner.text("plain", "columns: ANNA.DEVRIES@EXAMPLE.ORG, amount")
    scanner.text("html", "<td>Anna&#32;de&nbsp;Vries</td>".replace("&nbsp;", " "))
    scanner.json("json", json.dumps({"columns": ["Anna de Vries"]}, ensure_ascii=True))
    scanner.json("json-key", {"+31612345678": 1})  # a phone normalised to E.164 digits
    assert [leak.artefact.split(".")[0] for leak in scanner.leaks] == [
        "plain",
        "html (unescaped)",
        "json",
        "json-key",
    ]


def test_short_values_and_tokens_are_not_hits() -> None:
    scanner = LeakScanner(VALUES)
    scanner.text("tokens", "EMAIL_3f9a1c0b@masked.invalid Bo 0612 Vries")
    assert scanner.leaks == []
    with pytest.raises(ValueError):
        LeakScanner(["Bo", "Jan"])


def test_sqlite_rows_are_decoded_not_byte_searched(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE records (seq INTEGER, payload TEXT, bits BLOB)")
    payload = json.dumps({"columns": ["Anna de Vries"]}, ensure_ascii=True)
    conn.execute("INSERT INTO records VALUES (1, ?, ?)", (payload, b"\xff\x00anna de vries"))
    conn.commit()
    conn.close()
    scanner = LeakScanner(VALUES)
    scanner.file("db", db)
    assert len(scanner.leaks) == 1 and scanner.leaks[0].artefact.startswith("db records[0][1]")
