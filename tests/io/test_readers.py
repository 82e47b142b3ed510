"""read_table(): every supported format into a DataFrame, every failure into a DataReadError."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from faker import Faker
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_privacy.io import DataReadError, read_table


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    Faker.seed(1)
    f = Faker("nl_NL")
    return pd.DataFrame(
        {
            "naam": [f.name() for _ in range(50)],
            "email": [f.email() for _ in range(50)],
            "postcode": [f.postcode() for _ in range(50)],
            "bedrag": [round(i * 1.25, 2) for i in range(50)],
            "aantal": list(range(50)),
        }
    )


def check(df: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert [str(c) for c in df.columns] == [str(c) for c in expected.columns]
    assert df.shape == expected.shape
    for col in expected.columns:
        assert df[col].astype(str).tolist() == expected[col].astype(str).tolist(), col


@pytest.mark.parametrize(
    ("name", "write"),
    [
        ("data.csv", lambda df, p: df.to_csv(p, index=False)),
        ("data.tsv", lambda df, p: df.to_csv(p, index=False, sep="\t")),
        ("data.tab", lambda df, p: df.to_csv(p, index=False, sep="\t")),
        ("semicolon.csv", lambda df, p: df.to_csv(p, index=False, sep=";", decimal=",")),
        ("pipe.txt", lambda df, p: df.to_csv(p, index=False, sep="|")),
        ("data.parquet", lambda df, p: df.to_parquet(p, index=False)),
        ("data.pq", lambda df, p: df.to_parquet(p, index=False)),
        ("records.json", lambda df, p: df.to_json(p, orient="records")),
        ("columns.json", lambda df, p: df.to_json(p, orient="columns")),
        ("lines.jsonl", lambda df, p: df.to_json(p, orient="records", lines=True)),
        ("lines.ndjson", lambda df, p: df.to_json(p, orient="records", lines=True)),
        ("lines_as.json", lambda df, p: df.to_json(p, orient="records", lines=True)),
        ("data.xlsx", lambda df, p: df.to_excel(p, index=False)),
        ("data.feather", lambda df, p: df.to_feather(p)),
        ("data.csv.gz", lambda df, p: df.to_csv(p, index=False)),
        ("data.csv.bz2", lambda df, p: df.to_csv(p, index=False)),
        ("data.csv.xz", lambda df, p: df.to_csv(p, index=False)),
        ("data.tsv.gz", lambda df, p: df.to_csv(p, index=False, sep="\t")),
        ("data.jsonl.gz", lambda df, p: df.to_json(p, orient="records", lines=True)),
    ],
)
def test_formats(tmp_path: Path, frame: pd.DataFrame, name: str, write: object) -> None:
    path = tmp_path / name
    write(frame, path)  # type: ignore[operator]
    df = read_table(path)
    if name == "semicolon.csv":
        # decimal comma stays text; the columns are still split
        assert not pd.api.types.is_numeric_dtype(df["bedrag"])
        assert list(df.columns) == list(frame.columns)
        assert df.shape == frame.shape
    else:
        check(df, frame)


def test_semicolon_csv_gzip(tmp_path: Path, frame: pd.DataFrame) -> None:
    """European exports: semicolon-separated and compressed."""
    path = tmp_path / "export.csv.gz"
    frame.to_csv(path, index=False, sep=";")
    check(read_table(path), frame)


def test_zip_csv(tmp_path: Path, frame: pd.DataFrame) -> None:
    path = tmp_path / "export.csv.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("export.csv", frame.to_csv(index=False, sep=";"))
    check(read_table(path), frame)


@pytest.mark.parametrize(("suffix", "opener"), [(".gz", gzip.open), (".bz2", bz2.open), (".xz", lzma.open)])
def test_compressed_tsv_with_csv_suffix(
    tmp_path: Path, frame: pd.DataFrame, suffix: str, opener: object
) -> None:
    path = tmp_path / f"data.csv{suffix}"
    with opener(path, "wt", encoding="utf-8") as fh:  # type: ignore[operator]
        fh.write(frame.to_csv(index=False, sep="\t"))
    check(read_table(path), frame)


def test_excel_sheet_selection(tmp_path: Path, frame: pd.DataFrame) -> None:
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="cover", index=False)
        frame.to_excel(writer, sheet_name="klanten", index=False)
    assert list(read_table(path).columns) == ["x"]
    check(read_table(path, sheet="klanten"), frame)
    with pytest.raises(DataReadError, match=r"book\.xlsx.*no sheet 'missing'"):
        read_table(path, sheet="missing")


def test_latin1_csv(tmp_path: Path) -> None:
    path = tmp_path / "excel_export.csv"
    path.write_bytes("naam;woonplaats;opmerking\nJosé;Zürich;één\nRenée;Besançon;ça va\n".encode("latin-1"))
    df = read_table(path)
    assert list(df.columns) == ["naam", "woonplaats", "opmerking"]
    assert df["naam"].tolist() == ["José", "Renée"]
    assert df["woonplaats"].tolist() == ["Zürich", "Besançon"]


def test_utf8_bom_csv(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffemail,naam\na@example.nl,Jan\n".encode())
    assert list(read_table(path).columns) == ["email", "naam"]


def test_utf16_tab_text_from_excel(tmp_path: Path, frame: pd.DataFrame) -> None:
    """Excel's "Unicode Text" export: UTF-16 with a BOM, tab-separated."""
    path = tmp_path / "unicode_text.txt"
    path.write_bytes(frame.to_csv(index=False, sep="\t").encode("utf-16"))
    check(read_table(path), frame)


def test_single_json_object_is_one_record(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"email": "a@example.nl", "age": 41}))
    df = read_table(path)
    assert list(df.columns) == ["email", "age"]
    assert len(df) == 1


def test_header_only_csv(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("email,naam,telefoon\n")
    df = read_table(path)
    assert list(df.columns) == ["email", "naam", "telefoon"]
    assert len(df) == 0


def test_integer_column_names_in_parquet(tmp_path: Path) -> None:
    path = tmp_path / "ints.parquet"
    pd.DataFrame({"0": [1, 2], "1": ["a@example.nl", "b@example.nl"]}).to_parquet(path)
    assert [str(c) for c in read_table(path).columns] == ["0", "1"]


# -- failures -----------------------------------------------------------------------------------


def _error(path: Path, **kw: object) -> str:
    with pytest.raises(DataReadError) as info:
        read_table(path, **kw)  # type: ignore[arg-type]
    message = str(info.value)
    assert str(path) in message or path.name in message
    return message


def test_missing_file(tmp_path: Path) -> None:
    assert "no such file" in _error(tmp_path / "nope.csv")


def test_directory(tmp_path: Path) -> None:
    (tmp_path / "d.csv").mkdir()
    assert "directory" in _error(tmp_path / "d.csv")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.touch()
    assert "empty" in _error(path)


def test_blank_lines_only(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_text("\n\n\n")
    assert "no header" in _error(path)


def test_unknown_extension(tmp_path: Path) -> None:
    path = tmp_path / "data.sav"
    path.write_text("a,b\n1,2\n")
    message = _error(path)
    assert "unsupported file type '.sav'" in message
    assert ".csv" in message and ".parquet" in message


def test_no_extension(tmp_path: Path) -> None:
    path = tmp_path / "README"
    path.write_text("a,b\n1,2\n")
    assert "unsupported file type" in _error(path)


def test_binary_garbage_with_csv_extension(tmp_path: Path) -> None:
    path = tmp_path / "garbage.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(2000))
    assert "binary" in _error(path)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bad.parquet", b"PAR1 not really parquet"),
        ("bad.xlsx", b"PK\x03\x04 not a zip"),
        ("bad.json", b"{not json"),
        ("bad.jsonl", b'{"a": 1}\n{"a": \n'),
        ("bad.feather", b"ARROW1 broken"),
        ("bad.csv.gz", b"\x1f\x8b broken gzip"),
        ("notgz.csv.gz", b"a,b\n1,2\n"),
        ("ragged.csv", b'a,b\n1,2\n"unterminated,3\n'),
    ],
)
def test_corrupt_files(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    message = _error(path)
    assert "could not be read" in message or "binary" in message


def test_error_messages_never_quote_contents(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[{"email": "secret.person@example.nl", "naam": "Geheime Persoon"')
    message = _error(path)
    assert "secret.person" not in message and "Geheime" not in message


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    content=st.binary(min_size=1, max_size=400),
    suffix=st.sampled_from([".csv", ".tsv", ".json", ".jsonl", ".parquet", ".xlsx"]),
)
def test_arbitrary_bytes_give_a_frame_or_a_data_read_error(
    tmp_path: Path, content: bytes, suffix: str
) -> None:
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(content)
    try:
        df = read_table(path)
    except DataReadError as exc:
        assert path.name in str(exc)
    else:
        assert isinstance(df, pd.DataFrame)


def test_error_descriptions_blank_quoted_values() -> None:
    from jupyter_privacy.io import describe_error

    exc = ValueError("invalid input syntax for type integer: 'alice@example.org' at \"Bob Jansen\"\nmore")
    text = describe_error(exc)
    assert "alice@example.org" not in text and "Bob Jansen" not in text
    assert text.startswith("invalid input syntax for type integer: '…'")


@pytest.mark.parametrize(
    "message",
    [
        "Unknown datetime string format, unable to parse: VICTOR.DEBOER@EXAMPLE.ORG, at position 0",
        "Unknown datetime string format, unable to parse: Victor de Boer (sheet: 0)",
        "could not convert string to float: victor.deboer@example.org",
        "bad value +31 6 12345678 in column 3",
    ],
)
def test_error_descriptions_blank_values_quoted_without_quotes(message: str) -> None:
    """pandas' date parser quotes the value it could not parse without quotes (issue 9, item 4)."""
    from jupyter_privacy.io import describe_error

    text = describe_error(ValueError(message), 200)
    assert not any(v in text.lower() for v in ("victor", "12345678")), text
    assert "…" in text


def test_error_descriptions_keep_positions_and_counts() -> None:
    from jupyter_privacy.io import describe_error

    text = describe_error(ValueError("Error tokenizing data. C error: Expected 5 fields in line 3, saw 6"))
    assert text == "Error tokenizing data. C error: Expected 5 fields in line 3, saw 6"


def test_bad_json_error_never_quotes_the_file(tmp_path: Path) -> None:
    path = tmp_path / "people.json"
    path.write_text('[{"email": "carol.secret@example.org", "age": 41}, {"email": carol2@example.org}]')
    with pytest.raises(DataReadError) as err:
        read_table(path)
    assert "example.org" not in str(err.value)
    assert str(path) in str(err.value)


def test_labels_are_data_reads_delimited_text_without_a_header(tmp_path: Path) -> None:
    path = tmp_path / "headerless.csv"
    path.write_text("ann@example.org,Ann Example,+31 6 12345678\nbo@example.net,Bo Sample,+31 6 23456789\n")
    assert read_table(path).shape == (1, 3)  # pandas takes the first person for the header
    frame = read_table(path, labels_are_data=True)
    assert list(frame.columns) == ["column_1", "column_2", "column_3"]
    assert frame["column_1"].tolist() == ["ann@example.org", "bo@example.net"]


def test_labels_are_data_reads_a_keyed_json_object_one_row_per_key(tmp_path: Path) -> None:
    path = tmp_path / "keyed.json"
    path.write_text('{"ann@example.org": {"name": "Ann", "plan": "basic"}, "bo@example.net": {"name": "Bo"}}')
    assert "ann@example.org" in read_table(path).columns  # pandas' default: keys become columns
    frame = read_table(path, labels_are_data=True)
    assert list(frame.columns) == ["key", "name", "plan"]
    assert frame["key"].tolist() == ["ann@example.org", "bo@example.net"]
