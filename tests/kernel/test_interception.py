"""Intercepted pandas readers (issue 9, item 4): errors without quoted values, the inline summary,
files whose column names are people refused with a how-to, and every way pandas reads a table governed:
``chunksize=``/``iterator=``, ``read_fwf``, ``read_json(lines=True)``, ``read_excel(sheet_name=None)``.

An in-process IPython shell with the extension loaded (the same hooks as a kernel).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

import jupyter_privacy
from jupyter_privacy.detect.labels import is_token
from jupyter_privacy.kernel.display import LOAD_MIME
from jupyter_privacy.kernel.errors import LoadError
from jupyter_privacy.ledger import SqliteLedgerStore

PEOPLE = pd.DataFrame(
    {
        "email": [f"person{i}@example.org" for i in range(12)],
        "phone": [f"+31 6 {12345678 + i * 1111}" for i in range(12)],
        "amount": [float(i) for i in range(12)],
    }
)
RAW = [*PEOPLE["email"], *PEOPLE["phone"]]


def loaded(tmp_path: Path) -> list[dict[str, object]]:
    store = SqliteLedgerStore(tmp_path / "ledger.sqlite3", readonly=True)
    try:
        return [
            r.payload
            for r in store.records(str((tmp_path / "intercepted.ipynb").resolve()))
            if r.event == "dataset_loaded"
        ]
    finally:
        store.close()


def assert_masked(frame: pd.DataFrame) -> None:
    assert frame["email"].str.endswith("@masked.invalid").all()
    assert not set(frame.astype(str).to_numpy().ravel()) & set(RAW)


@pytest.fixture
def shell(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    policy_writer: Callable[..., tuple[Path, Path]],
    test_key: str,
) -> Iterator[InteractiveShell]:
    policy, _ledger = policy_writer(tmp_path)
    PEOPLE.to_csv(tmp_path / "people.csv", index=False)
    PEOPLE.to_csv(tmp_path / "headerless.csv", index=False, header=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JUPYTER_PRIVACY_POLICY", str(policy))
    monkeypatch.setenv("JUPYTER_PRIVACY_KEY", test_key)
    monkeypatch.setenv("JUPYTER_PRIVACY_NOTEBOOK", str(tmp_path / "intercepted.ipynb"))
    ip = InteractiveShell.instance()
    ip.reset(new_session=False)
    ip.run_line_magic("load_ext", "jupyter_privacy")
    yield ip
    ip.run_line_magic("unload_ext", "jupyter_privacy")


def test_intercepted_read_errors_do_not_quote_values(shell: InteractiveShell) -> None:
    with pytest.raises(ValueError) as caught:
        pd.read_csv("people.csv", dtype={"email": "int64"})
    assert not any(value in str(caught.value) for value in RAW)
    assert "email" not in str(caught.value) or "@" not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_intercepted_read_shows_the_inline_summary(shell: InteractiveShell) -> None:
    with capture_output() as captured:
        frame = pd.read_csv("people.csv")
    (bundle,) = [o.data for o in captured.outputs if LOAD_MIME in o.data]
    assert {c["name"] for c in bundle[LOAD_MIME]["flagged"]} == {"email", "phone"}
    assert frame["email"].str.endswith("@masked.invalid").all()


def test_intercepted_headerless_read_is_refused_with_how_to(shell: InteractiveShell) -> None:
    with pytest.raises(LoadError, match=r"header=None.*%privacy_load") as caught:
        pd.read_csv("headerless.csv")
    assert not any(value in str(caught.value) for value in RAW)
    with capture_output():
        frame = pd.read_csv("headerless.csv", header=None)
    assert frame[0].str.endswith("@masked.invalid").all()


def test_an_intercepted_table_by_person_is_governed_with_its_names_as_tokens(
    shell: InteractiveShell, tmp_path: Path
) -> None:
    """Employees as columns over hours (names over numbers): a real header, not a person's row, so the
    read is not refused; the frame's column names are tokens."""
    names = ["Anna de Vries", "Jan Jansen", "Piet Bakker", "Sanne van den Berg"]
    pd.DataFrame({"week": [1, 2], **{n: [38.0, 40.0] for n in names}}).to_csv("timesheet.csv", index=False)
    with capture_output() as captured:
        frame = pd.read_csv("timesheet.csv")
    assert frame.columns[0] == "week" and all(is_token(str(c)) for c in frame.columns[1:])
    assert not any(n in captured.stdout + repr(frame) for n in names)


def test_chunked_reads_govern_every_chunk(shell: InteractiveShell, tmp_path: Path) -> None:
    with capture_output() as captured:
        chunks = list(pd.read_csv("people.csv", chunksize=5))
        with pd.read_csv("people.csv", iterator=True) as reader:
            first = reader.get_chunk(4)
    assert [len(c) for c in chunks] == [5, 5, 2]
    for chunk in [*chunks, first]:
        assert_masked(chunk)
    sources = [p["source"] for p in loaded(tmp_path)]
    assert sources[:3] == [f"{tmp_path / 'people.csv'} [chunk {n}]" for n in (1, 2, 3)]
    assert (
        len([o for o in captured.outputs if LOAD_MIME in o.data]) == 2
    )  # one summary per read, not per chunk


def test_a_chunk_can_be_unmasked(shell: InteractiveShell) -> None:
    from jupyter_privacy.kernel.session import current_session

    chunks = list(pd.read_csv("people.csv", chunksize=5))
    session = current_session()
    session.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    raw = session.unmask(chunks[1], ["email"])
    assert raw["email"].tolist() == PEOPLE["email"][5:10].tolist()


def test_read_fwf_and_json_lines_are_governed(shell: InteractiveShell, tmp_path: Path) -> None:
    width = PEOPLE.astype(str).apply(lambda c: c.str.len().max()).max() + 2
    lines = ["".join(str(v).ljust(width) for v in PEOPLE.columns)]
    lines += ["".join(str(v).ljust(width) for v in row) for row in PEOPLE.itertuples(index=False)]
    (tmp_path / "people.txt").write_text("\n".join(lines) + "\n")
    PEOPLE.to_json(tmp_path / "people.jsonl", orient="records", lines=True)
    with capture_output():
        fixed = pd.read_fwf("people.txt", widths=[width] * 3)
        jsonl = pd.read_json("people.jsonl", lines=True)
        chunks = list(pd.read_json("people.jsonl", lines=True, chunksize=6))
    for frame in [fixed, jsonl, *chunks]:
        assert_masked(frame)
    assert len(loaded(tmp_path)) == 4


def test_every_sheet_of_an_excel_workbook_is_governed(shell: InteractiveShell, tmp_path: Path) -> None:
    with pd.ExcelWriter(tmp_path / "people.xlsx") as writer:
        PEOPLE.to_excel(writer, sheet_name="a", index=False)
        PEOPLE.to_excel(writer, sheet_name="b", index=False)
    with capture_output():
        sheets = pd.read_excel("people.xlsx", sheet_name=None)
    assert set(sheets) == {"a", "b"}
    for frame in sheets.values():
        assert_masked(frame)


def test_sheets_named_by_people_go_by_their_tokens(shell: InteractiveShell, tmp_path: Path) -> None:
    """A workbook with a sheet per customer: the sheet names are personal data, like column names."""
    with pd.ExcelWriter(tmp_path / "per_customer.xlsx") as writer:
        for email in PEOPLE["email"][:3]:
            PEOPLE.head(2).to_excel(writer, sheet_name=email, index=False)
    with capture_output():
        sheets = pd.read_excel("per_customer.xlsx", sheet_name=None)
    assert len(sheets) == 3 and all(s.startswith("EMAIL_") for s in sheets), list(sheets)
    logged = str(loaded(tmp_path))
    assert "[sheet EMAIL_" in logged and not any(email in logged for email in PEOPLE["email"])


def test_a_series_read_is_governed_too(shell: InteractiveShell, tmp_path: Path) -> None:
    """``read_json(typ='series')`` of ``{e-mail: phone}`` returned the raw Series, unlogged."""
    (tmp_path / "phones.json").write_text(
        json.dumps(dict(zip(PEOPLE["email"], PEOPLE["phone"], strict=True))), "utf-8"
    )
    with capture_output():
        phones = pd.read_json("phones.json", typ="series")
    assert isinstance(phones, pd.Series) and len(phones) == len(PEOPLE)
    shown = {str(v) for v in [*phones.index, *phones.to_numpy()]}
    assert not shown & set(RAW), sorted(shown & set(RAW))[:3]
    assert any(p["source"].endswith("phones.json") for p in loaded(tmp_path))


@pytest.fixture
def sql_shell(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    policy_writer: Callable[..., tuple[Path, Path]],
    test_key: str,
) -> Iterator[tuple[InteractiveShell, Any]]:
    """The shell with ``read_sql`` intercepted too (the policy schema's default list has it)."""
    policy, _ledger = policy_writer(tmp_path, interception={"readers": ["read_csv", "read_sql"]})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JUPYTER_PRIVACY_POLICY", str(policy))
    monkeypatch.setenv("JUPYTER_PRIVACY_KEY", test_key)
    monkeypatch.setenv("JUPYTER_PRIVACY_NOTEBOOK", str(tmp_path / "intercepted.ipynb"))
    con = sqlite3.connect(tmp_path / "people.db")
    PEOPLE.to_sql("people", con, index=False)
    ip = InteractiveShell.instance()
    ip.reset(new_session=False)
    ip.run_line_magic("load_ext", "jupyter_privacy")
    yield ip, con
    ip.run_line_magic("unload_ext", "jupyter_privacy")
    con.close()


def test_read_sql_in_chunks_and_long_queries_are_governed(
    sql_shell: tuple[InteractiveShell, Any], tmp_path: Path
) -> None:
    """``read_sql(chunksize=)`` returns a generator (it came back raw); a query longer than a file name
    made it fail with "File name too long: '<the query>'" after the read."""
    _ip, con = sql_shell
    padding = " ".join(f"amount > -{i}" for i in range(60))  # a query of more than 255 characters
    with capture_output():
        chunks = list(pd.read_sql("SELECT * FROM people", con, chunksize=5))
        whole = pd.read_sql(f"SELECT * FROM people WHERE {padding.replace(' amount', ' AND amount')}", con)
    assert [len(c) for c in chunks] == [5, 5, 2]
    for frame in [*chunks, whole]:
        assert_masked(frame)
    assert len(loaded(tmp_path)) == 4
    jupyter_privacy.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    raw = jupyter_privacy.unmask(chunks[1], ["email"])  # the query runs again: its second chunk
    assert raw["email"].tolist() == PEOPLE["email"][5:10].tolist()
