"""Labels are data (issue 9): column names and index labels that are personal data never reach a
record, a display or the masked frame raw.

The tests use the Python API (a :class:`PrivacySession`, the same code the magics call).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from jupyter_privacy.detect.labels import is_token
from jupyter_privacy.kernel.session import PrivacySession
from jupyter_privacy.ledger import SqliteLedgerStore
from jupyter_privacy.mask import MaskingKey
from jupyter_privacy.mask.tokens import token_for
from jupyter_privacy.policy import load_policy

PEOPLE = pd.DataFrame(
    {
        "email": ["anna.devries@example.org", "jan.jansen@example.net", "piet.bakker@example.com"],
        "name": ["Anna de Vries", "Jan Jansen", "Piet Bakker"],
        "phone": ["+31 6 12345678", "+31 6 23456789", "+31 6 34567890"],
        "amount": [10.5, 20.0, 30.25],
    }
)
RAW = [*PEOPLE["email"], *PEOPLE["name"], *PEOPLE["phone"]]


def payload_text(ledger: Path, notebook: str) -> str:
    store = SqliteLedgerStore(ledger, readonly=True)
    try:
        return json.dumps([r.payload for r in store.records(notebook)], ensure_ascii=False)
    finally:
        store.close()


@pytest.fixture
def session(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    policy_writer: Callable[..., tuple[Path, Path]],
    test_key: str,
) -> Iterator[PrivacySession]:
    policy, _ledger = policy_writer(tmp_path)
    monkeypatch.setenv("JUPYTER_PRIVACY_KEY", test_key)
    monkeypatch.setenv("JUPYTER_PRIVACY_NOTEBOOK", str(tmp_path / "labels.ipynb"))
    s = PrivacySession(policy=load_policy(policy))
    yield s
    s.close()


@pytest.fixture
def load_without_ner(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    policy_writer: Callable[..., tuple[Path, Path]],
    test_key: str,
) -> Callable[[Path], tuple[pd.DataFrame, str, str]]:
    """Load a file in a fresh session without the NER model: the masked frame, its display (HTML and
    repr) and the text of every logged payload."""
    policy, ledger = policy_writer(tmp_path, detection={"ner_model": "none"})
    notebook = str(tmp_path / "no_ner.ipynb")
    monkeypatch.setenv("JUPYTER_PRIVACY_KEY", test_key)
    monkeypatch.setenv("JUPYTER_PRIVACY_NOTEBOOK", notebook)

    def load(path: Path) -> tuple[pd.DataFrame, str, str]:
        s = PrivacySession(policy=load_policy(policy))
        try:
            frame = s.load(path)
            shown = frame.to_html() + repr(frame)
        finally:
            s.close()
        return frame, shown, payload_text(ledger, notebook)

    return load


def logged(session: PrivacySession) -> str:
    return payload_text(session.policy.log.resolved_path(), session.notebook)


def test_headerless_csv_is_read_without_header(session: PrivacySession, tmp_path: Path) -> None:
    path = tmp_path / "headerless.csv"
    PEOPLE.to_csv(path, index=False, header=False)
    frame = session.load(path)
    assert list(frame.columns) == ["column_1", "column_2", "column_3", "column_4"]
    assert len(frame) == 3  # the first person is a row, not the header
    assert frame["column_1"].str.endswith("@masked.invalid").all()
    assert frame["column_3"].str.startswith("PHONE_").all()
    assert not any(value in logged(session) for value in RAW)


def test_json_keyed_by_email_gets_the_key_as_a_masked_column(session: PrivacySession, tmp_path: Path) -> None:
    path = tmp_path / "keyed.json"
    keyed = {r.email: {"name": r.name, "phone": r.phone, "amount": r.amount} for r in PEOPLE.itertuples()}
    path.write_text(json.dumps(keyed), "utf-8")
    frame = session.load(path)
    assert list(frame.columns) == ["key", "name", "phone", "amount"]
    finding = session.datasets[frame.attrs["jupyter_privacy"]["datasets"][0]].finding("key")
    assert finding.entities == ["EMAIL_ADDRESS"]
    assert not set(frame.astype(str).to_numpy().ravel()) & set(RAW)
    assert not any(value in logged(session) for value in RAW)


def test_email_column_names_become_the_tokens_their_values_get(
    session: PrivacySession, tmp_path: Path, test_key: str
) -> None:
    path = tmp_path / "wide.parquet"
    PEOPLE.set_index("email")[["amount"]].T.reset_index(drop=True).to_parquet(path)
    frame = session.load(path)
    key = MaskingKey(test_key, "test")
    assert list(frame.columns) == [token_for(e, key, "EMAIL_ADDRESS") for e in PEOPLE["email"]]
    text = logged(session)
    assert not any(value in text for value in RAW)
    assert token_for(PEOPLE["email"][0], key, "EMAIL_ADDRESS") in text


def test_names_as_the_index_are_masked(session: PrivacySession, tmp_path: Path) -> None:
    path = tmp_path / "by_name.parquet"
    PEOPLE.set_index("name").to_parquet(path)
    frame = session.load(path)
    assert frame.index.name == "name"
    assert not set(frame.index) & set(PEOPLE["name"])
    assert list(frame.columns) == ["email", "phone", "amount"]
    assert session.datasets[frame.attrs["jupyter_privacy"]["datasets"][0]].finding("name").flagged


def test_a_frame_indexed_by_name_can_still_be_unmasked(session: PrivacySession, tmp_path: Path) -> None:
    path = tmp_path / "by_name.parquet"
    PEOPLE.set_index("name").to_parquet(path)
    frame = session.load(path)
    session.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    derived = frame[frame["amount"] > 15].sort_values("amount", ascending=False)
    raw = session.unmask(derived, ["email"])
    assert raw["email"].tolist() == ["piet.bakker@example.com", "jan.jansen@example.net"]
    assert not set(raw.index) & set(PEOPLE["name"])  # the names stay masked


def test_every_record_is_gated_even_for_frames_never_loaded(session: PrivacySession) -> None:
    session.log(
        "output_written",
        {"path": "/tmp/p.csv", "columns": ["plan", "anna.devries@example.org", "Jan Jansen", "0612345678"]},
    )
    # a pivot with two column levels, written: each column is a tuple (name, plan)
    session.log(
        "output_written", {"path": "/tmp/q.csv", "columns": ["('Jan Jansen', 'basic')", "('x', 'y')"]}
    )
    # a model fitted to predict one person's column of a pivot: its target is named by that person
    session.log("model_trained", {"columns": ["plan"], "targets": [PEOPLE["email"][2], "Piet Bakker"]})
    text = logged(session)
    assert not any(value in text for value in [*RAW, "0612345678"])
    assert '"plan"' in text


def test_a_personal_label_is_replaced_wherever_it_is_quoted(session: PrivacySession, tmp_path: Path) -> None:
    path = tmp_path / "wide.parquet"
    PEOPLE.set_index("email")[["amount"]].T.reset_index(drop=True).to_parquet(path)
    session.load(path)
    session.log("unmask_denied", {"reason": f"no raw access to {PEOPLE['email'][1]} (direct)"})
    assert PEOPLE["email"][1] not in logged(session)


def test_a_file_named_by_a_person_is_logged_by_its_token(session: PrivacySession, tmp_path: Path) -> None:
    """A report per customer (``out/<e-mail>.csv``) or a file named by a phone number: the path in the
    record carries the token; the folders, the other file names and the extension stay."""
    named = tmp_path / f"{PEOPLE['email'][0]}.csv"
    PEOPLE.to_csv(named, index=False)
    session.load(named)
    session.log("output_written", {"path": f"{tmp_path}/out/{PEOPLE['phone'][1]}.csv.gz", "raw_columns": []})
    session.log(
        "output_written", {"path": str(tmp_path / "out" / "report.csv"), "raw_columns": ["Jan Jansen"]}
    )
    session.log(
        "dataset_loaded", {"source": "sql:postgresql://analyst@db.internal/crm#ab12"}
    )  # where, not whom
    # a model registered per customer
    session.log(
        "model_registered",
        {"model_uri": "models:/piet.bakker@example.com/1", "registered_name": "piet.bakker@example.com"},
    )
    text = logged(session)
    assert not any(value in text for value in RAW), text
    key = session.key
    assert f"{tmp_path}/{token_for(PEOPLE['email'][0], key, 'EMAIL_ADDRESS')}.csv" in text
    assert f"{tmp_path}/out/report.csv" in text and ".csv.gz" in text
    assert "sql:postgresql://analyst@db.internal/crm#ab12" in text


def test_a_name_typed_in_an_unmask_is_not_echoed(session: PrivacySession, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    PEOPLE.to_csv(path, index=False)
    frame = session.load(path)
    session.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    with pytest.raises(Exception, match=r"no column\(s\) 'EMAIL_[0-9a-f]{16}@masked.invalid'") as err:
        session.unmask(frame, [PEOPLE["email"][2]])
    assert PEOPLE["email"][2] not in str(err.value)


def test_a_label_tokenised_in_one_field_is_replaced_where_another_quotes_it(session: PrivacySession) -> None:
    """A timesheet with employees as columns, without the NER model: the name is tokenised as a column
    name by the record gate, and the evidence that quotes it in the same record must not keep it raw."""
    session.log(
        "dataset_loaded",
        {
            "findings": [{"name": "Piet Bakker", "reasons": []}],
            "table": {"reasons": ["'Piet Bakker' holds PERSON values"]},
        },
    )
    assert "Piet Bakker" not in logged(session)


def test_a_timesheet_with_employees_as_columns_gets_tokens_without_ner(
    tmp_path: Path, load_without_ner: Callable[[Path], tuple[pd.DataFrame, str, str]]
) -> None:
    """Names as column names (a pivot by person) are found from the shipped name lists when no NER
    model is used: the masked frame, its display and the log show tokens, the other columns stay."""
    names = ["Anna de Vries", "Jan Jansen", "Piet Bakker", "Sanne van den Berg"]
    sheet = pd.DataFrame({"week": [1, 2, 3], **{n: [38.0, 40.0, 36.5] for n in names}})
    path = tmp_path / "timesheet.csv"
    sheet.to_csv(path, index=False)
    frame, shown, logged_text = load_without_ner(path)
    assert frame.columns[0] == "week" and all(is_token(c) for c in frame.columns[1:])
    assert not any(n in shown for n in names)
    assert not any(n in logged_text for n in names)


def test_a_timesheet_with_a_note_among_the_hours_keeps_its_header(
    tmp_path: Path, load_without_ner: Callable[[Path], tuple[pd.DataFrame, str, str]]
) -> None:
    """One "sick" among an employee's hours makes the column text; it is still a header of names over
    measurements (read as a headerless file, the names sat raw among the hours of the masked frame)."""
    names = ["Anna de Vries", "Jan Jansen", "Piet Bakker", "Sanne van den Berg"]
    hours: list[object] = [38.0, 40.0, "sick", 36.5, 40.0]
    pd.DataFrame({"week": range(1, 6), **{n: hours for n in names}}).to_csv(tmp_path / "t.csv", index=False)
    frame, shown, logged_text = load_without_ner(tmp_path / "t.csv")
    assert frame.columns[0] == "week" and all(is_token(c) for c in frame.columns[1:]) and len(frame) == 5
    assert not any(n in shown for n in names)
    assert not any(n in logged_text for n in names)


def test_surname_first_labels_with_a_particle_are_tokenised_in_records(session: PrivacySession) -> None:
    """'de Vries, Anna' and 'Vries, Anna de' (the Dutch sorting form) are names; 'Amount, total' is not."""
    labels = ["de Vries, Anna", "Vries, Anna de", "van den Berg, Sanne", "Amount, total"]
    session.log("output_written", {"path": "/tmp/p.csv", "columns": labels})
    text = logged(session)
    assert not any(name in text for name in labels[:3]) and '"Amount, total"' in text


@pytest.mark.parametrize(
    ("people", "answers"),
    [
        (["Anna de Vries", "Jan Jansen", "Piet Bakker"], ["yes", "no"]),
        (["anna@example.org", "jan@example.net"], ["yes", "no"]),
        (["Anna de Vries", "Jan Jansen", "Piet Bakker"], ["On Track", "At Risk"]),  # capitalised, not names
        (["anna@example.org", "jan@example.net"], ["Home Office", "Main Office"]),
    ],
)
def test_an_attendance_list_by_person_keeps_its_header(
    people: list[str],
    answers: list[str],
    tmp_path: Path, load_without_ner: Callable[[Path], tuple[pd.DataFrame, str, str]]
) -> None:
    """People as columns over answers ("yes"/"no", "On Track"), not over more people's data: a header, its labels
    tokens (read as a headerless file, the names and addresses sat raw in the first row of the masked
    frame, in columns of answers where no scan finds them)."""
    days = [f"2026-01-{d:02d}" for d in range(1, 21)]
    pd.DataFrame({"day": days, **{p: answers * 10 for p in people}}).to_csv(tmp_path / "a.csv", index=False)
    frame, shown, logged_text = load_without_ner(tmp_path / "a.csv")
    assert frame.columns[0] == "day" and all(is_token(c) for c in frame.columns[1:]) and len(frame) == 20
    assert not any(p in shown for p in people)
    assert not any(p in logged_text for p in people)


def test_a_password_in_a_logged_url_is_not_kept(session: PrivacySession) -> None:
    """A path field holding a URL with credentials (a Spark write to ``s3a://key:secret@bucket``): the
    account and host stay, the password does not (it is neither where nor whom)."""
    session.log("output_written", {"path": "s3a://AKIAEXAMPLE:wJalrXUtnFEMIsecret@bucket/out", "columns": []})
    assert session.labels.path("hdfs://analyst:hunter2@nn:8020/crm") == "hdfs://analyst:***@nn:8020/crm"
    text = logged(session)
    assert "wJalrXUtnFEMIsecret" not in text and "s3a://AKIAEXAMPLE:***@bucket/out" in text


def test_a_pivot_with_two_column_levels_shows_its_names_as_tokens(
    tmp_path: Path, load_without_ner: Callable[[Path], tuple[pd.DataFrame, str, str]]
) -> None:
    """``pivot_table(columns="name", values=["hours", "km"])`` saved as Parquet reads back with columns
    ``("hours", "Anna de Vries")``: a name in a level is a person too (they were shown raw)."""
    names = ["Anna de Vries", "Jan Jansen", "Piet Bakker", "Sanne van den Berg"]
    long = pd.DataFrame({"week": [1] * 4 + [2] * 4, "name": names * 2, "hours": [38.0] * 8, "km": [5.0] * 8})
    long.pivot_table(index="week", columns="name", values=["hours", "km"]).to_parquet(
        tmp_path / "wide.parquet"
    )
    frame, shown, logged_text = load_without_ner(tmp_path / "wide.parquet")
    assert len(frame) == 2 and len(frame.columns) == 8 and all(is_token(str(c)) for c in frame.columns)
    assert not any(n in shown for n in names)
    assert not any(n in logged_text for n in names)
