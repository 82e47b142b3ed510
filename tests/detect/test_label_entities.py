"""Column names and index labels as data: which labels are personal data (issue 9, item 1)."""

from __future__ import annotations

import pandas as pd
import pytest

from jupyter_privacy.detect.engine import ner_model
from jupyter_privacy.detect.labels import (
    header_is_data,
    is_token,
    label_entity,
    personal_labels,
    suspicious_label,
)


@pytest.mark.parametrize(
    ("label", "entity"),
    [
        ("anna.devries3@example.org", "EMAIL_ADDRESS"),
        ("+31 6 12345678", "PHONE_NUMBER"),
        ("(201) 555-0143", "PHONE_NUMBER"),
        ("NL91ABNA0417164300", "IBAN_CODE"),
        ("email", None),
        ("Full Name", None),
        ("customer_id", None),
        ("2025-01-03", None),
        ("EMAIL_0123456789abcdef@masked.invalid", None),  # our own token
        ("total_amount", None),
        (12345, None),
    ],
)
def test_label_entity_without_ner(label: object, entity: str | None) -> None:
    assert label_entity(label) == entity


def test_person_names_need_the_ner_model_to_be_confirmed() -> None:
    ner = ner_model("auto")
    if not ner.available:
        pytest.skip("no spaCy model installed")
    assert label_entity("Sanne van den Berg", ner) == "PERSON"
    assert label_entity("Customer Segment", ner) is None
    assert label_entity("Sanne van den Berg") is None  # without NER a name shape alone does not decide


@pytest.mark.parametrize(
    "label",
    ["Anna de Vries", "Total Amount", "jan@x.org", "0612345678", "1 234 567 89", "NL91ABNA0417164300"],
)
def test_suspicious_labels_err_towards_personal_data(label: str) -> None:
    assert suspicious_label(label)


@pytest.mark.parametrize(
    "label",
    ["email", "Full Name", "Date of Birth", "amount", "2026-11-23T10:00:00", "id", "PHONE_0123456789abcdef"],
)
def test_ordinary_column_names_are_not_suspicious(label: str) -> None:
    assert not suspicious_label(label)


def test_personal_labels_gives_positions() -> None:
    header = ["alice@example.org", "Alice Example", "+44 20 7946 0958", "premium", "12.5"]
    assert personal_labels(header) == {0: "EMAIL_ADDRESS", 2: "PHONE_NUMBER"}
    assert is_token("LABEL_0123456789abcdef") and not is_token("LABEL_xyz")


@pytest.mark.parametrize(
    "names",
    [
        ["Anna de Vries", "Jan Jansen", "Sanne van den Berg", "Peter Smit"],
        ["anna de vries", "jan jansen", "sanne van den berg", "peter smit"],  # lower-case names
        ["Allen, Elisabeth", "Smith, John", "Müller, Hans"],  # surname first
        ["de vries, anna", "van den berg, sanne", "jansen, jan"],  # surname first, with particles
    ],
)
def test_a_pivot_by_person_is_found_from_the_name_lists_without_ner(names: list[str]) -> None:
    header = ["plan", *names, "total"]
    found = personal_labels(header)  # no NER model passed
    assert found == {p: "PERSON" for p in range(1, len(names) + 1)}


@pytest.mark.parametrize(
    "header",
    [
        ["id", "Max Price", "Summer Sales", "region"],  # two labels that read as names by chance
        ["Lincoln Park", "Dean Street", "Hyde Park", "Wicker Park", "Chelsea Market", "Rush Street"],  # places
        ["total amount", "first name", "last name", "order date", "Max Price"],
        # a word shared by the labels is a pattern of column names (a quarter by month, paint colours,
        # statistics), not people, although each label reads as a given name and a surname
        ["region", "April Sales", "May Sales", "June Sales"],
        ["Olive Green", "Jade Green", "Pearl White", "Ivy Green", "Hazel Brown", "Sky Blue"],
        ["Max Price", "Max Sales", "Max Low", "Mean Price", "Min Price"],
    ],
)
def test_labels_that_read_as_names_by_chance_stay(header: list[str]) -> None:
    assert personal_labels(header) == {}


def test_a_pivot_by_person_with_two_people_of_one_name_is_found() -> None:
    names = ["Jan Jansen", "Jan Bakker", "Piet de Vries", "Sanne Visser", "Peter Smit"]
    assert personal_labels(["week", *names]) == {p: "PERSON" for p in range(1, 6)}


def test_a_surname_first_label_is_suspicious() -> None:
    assert suspicious_label("Allen, Elisabeth") and not suspicious_label("Amount, total")
    assert suspicious_label("de Vries, Anna") and suspicious_label("Vries, Anna de")  # particles in lower case
    assert not suspicious_label("de Vries") and not suspicious_label("de total, amount")


def test_a_header_is_data_when_a_person_s_row_not_when_names_head_measurements() -> None:
    timesheet = pd.DataFrame({"week": [1, 2], "Anna de Vries": [38.0, 40.0], "Jan Jansen": [36.5, 40.0]})
    assert not header_is_data(timesheet, {1: "PERSON", 2: "PERSON"})
    headerless = pd.DataFrame({"anna@example.org": ["jan@example.net"], "Anna de Vries": ["Jan Jansen"]})
    assert header_is_data(headerless, {0: "EMAIL_ADDRESS"})
    # the first person's phone number over the others' (read as integers): still a person's row
    numbers = pd.DataFrame({"0612345678": [623456789, 634567890], "38": [40, 36]})
    assert header_is_data(numbers, {0: "PHONE_NUMBER"})


def test_names_over_mostly_numbers_are_a_header_and_an_empty_column_tells_nothing() -> None:
    hours = pd.DataFrame({"Anna de Vries": [38.0, "sick", 40.0, 36.5], "Jan Jansen": ["38,5", "40", "", "36"]})
    assert not header_is_data(hours, {0: "PERSON", 1: "PERSON"})  # a note, decimal commas: measurements
    # the first person's e-mail address over the others' (none given): nothing says it is a header
    headerless = pd.DataFrame({"anna@example.org": [None, None], "Anna de Vries": ["Jan Jansen", "Piet Bakker"]})
    assert header_is_data(headerless, {0: "EMAIL_ADDRESS"})
