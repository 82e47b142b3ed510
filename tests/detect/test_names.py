"""Person names as they occur, from the name lists (no spaCy model), and values that must agree with
the header."""

from __future__ import annotations

import random

import pandas as pd
from faker import Faker

from jupyter_privacy import scan
from jupyter_privacy.detect.findings import ColumnFinding
from jupyter_privacy.detect.names import name_shape
from jupyter_privacy.policy import Policy, default_policy

N = 200


def no_ner() -> Policy:
    base = default_policy()
    return base.model_copy(update={"detection": base.detection.model_copy(update={"ner_model": "none"})})


def classify(values: list[object], name: str) -> ColumnFinding:
    return scan(pd.DataFrame({name: values}), no_ner())[name]


def passenger_names(n: int, seed: int = 0) -> list[str]:
    """'Surname, Title Given Middle', as in passenger lists."""
    Faker.seed(seed)
    fake = Faker("en_GB")
    r = random.Random(seed)
    return [
        f"{fake.last_name()}, {r.choice(['Mr.', 'Mrs.', 'Miss.', 'Master.'])} {fake.first_name()} {fake.first_name()}"
        for _ in range(n)
    ]


def test_name_shapes() -> None:
    shape = name_shape("Allen, Miss. Elisabeth Walton")
    assert shape.is_name_shaped and shape.given and shape.surname and shape.tokens == 3
    assert name_shape("J. van der Berg").surname
    assert name_shape("Dr. Jan de Vries").given
    assert not name_shape("buick skylark 320").is_name_shaped
    assert not name_shape("Smith, John, Jr, III, PhD").is_name_shaped
    # surname first with a particle: the particle is not a name word, the given name still is one
    for value in ("de Vries, Anna", "van den Berg, Sanne", "de la Cruz, Maria"):
        shape = name_shape(value)
        assert shape.given and shape.surname and shape.tokens == 2, value


def test_surname_title_given_under_a_header_that_says_nothing() -> None:
    found = classify(passenger_names(N), "Passagier")  # type: ignore[arg-type]
    assert (found.category, found.entities, found.rule) == ("direct", ["PERSON"], "name-list")


def test_names_with_particles_and_initials() -> None:
    Faker.seed(1)
    fake = Faker("nl_NL")
    values = [f"{fake.first_name()[0]}. {fake.last_name()}" for _ in range(N)]
    found = classify(values, "deelnemer_naam")  # type: ignore[arg-type]
    assert found.entities == ["PERSON"]


def test_a_first_name_only_column_in_a_table_of_applicants() -> None:
    Faker.seed(2)
    fake = Faker("de_DE")
    r = random.Random(2)
    df = pd.DataFrame(
        {
            "Vorname_Bewerber": [fake.first_name() for _ in range(N)],
            "Alter": [r.randint(20, 60) for _ in range(N)],
            "Geschlecht": r.choices(["m", "w"], k=N),
        }
    )
    # a header the lexicon does not know: the verdict (people) and the name lists decide
    df = df.rename(columns={"Vorname_Bewerber": "rufname_x"})
    result = scan(df, no_ner())
    assert result.table.subjects == "people"
    assert (result["rufname_x"].entities, result["rufname_x"].rule) == (["PERSON"], "name-list")


def test_a_bare_name_header_over_places_or_products_is_not_a_person() -> None:
    places = ["Mauna Kea", "Kohala", "Haleakala", "West Maui", "Lanai", "East Molokai", "Koolau", "Waianae",
              "Kauai", "Niihau", "Kaula", "Nihoa", "Necker", "Laysan", "Midway", "Colohan"]  # fmt: skip
    found = classify(places * 5, "name")  # type: ignore[arg-type]
    assert found.category == "none"
    assert any("names of things" in r for r in found.reasons)
    cars = ["chevrolet chevelle malibu", "buick skylark 320", "plymouth satellite", "amc rebel sst",
            "ford torino", "ford galaxie 500", "chevrolet impala", "pontiac catalina"] * 5  # fmt: skip
    assert classify(cars, "Name").category == "none"  # type: ignore[arg-type]


def test_a_bare_name_header_over_people_is_a_person() -> None:
    Faker.seed(3)
    fake = Faker("en_US")
    assert classify([fake.name() for _ in range(N)], "name").entities == ["PERSON"]  # type: ignore[arg-type]


def test_yes_no_under_email_is_not_an_email_and_says_why() -> None:
    found = classify(random.Random(4).choices(["yes", "no"], k=N), "email")  # type: ignore[arg-type]
    assert found.category == "none"
    assert any("'email'" in r and "yes/no" in r for r in found.reasons)


def test_fractions_under_age_are_not_ages() -> None:
    found = classify([round(random.Random(5).random(), 3) for _ in range(N)], "age")  # type: ignore[arg-type]
    assert found.category == "none"
    assert any("fractions" in r for r in found.reasons)


def test_ages_with_a_few_infants_in_months_and_one_typo_are_ages() -> None:
    r = random.Random(6)
    ages: list[object] = [r.randint(1, 90) for _ in range(N - 20)] + [0.5, 0.9] * 9 + [138, 2]
    assert classify(ages, "age").category == "quasi"


def test_an_age_band_is_a_quasi_identifier() -> None:
    values = random.Random(7).choices(["18-24", "25-34", "35-44", "45-54", "55+"], k=N)
    assert classify(values, "age_group").entities == ["AGE"]  # type: ignore[arg-type]


def test_names_in_a_file_without_a_header_row() -> None:
    """A headerless file's columns are called ``column_1``, ``column_2``, ...: the placeholder's word
    "column" (which rules a name out in "column name") must not rule out the names under it."""
    Faker.seed(5)
    fake = Faker("nl_NL")
    values = [f"{fake.first_name()} {fake.last_name()}" for _ in range(40)]
    for placeholder in ("column_2", "Unnamed: 1", "field_3"):
        found = classify(values, placeholder)  # type: ignore[arg-type]
        assert (found.category, found.entities) == ("direct", ["PERSON"]), placeholder
    assert classify(values, "column name").category == "none"  # a real header word still rules it out


def test_a_file_of_two_people_has_its_names_found_when_every_one_is_a_full_name() -> None:
    frame = pd.DataFrame(
        {
            "column_1": [1001, 1002],
            "column_2": ["Anna de Vries", "Jan Jansen"],
            "column_3": ["anna@example.org", "jan@example.net"],
        }
    )
    found = scan(frame, no_ner())
    assert found["column_2"].entities == ["PERSON"] and found["column_1"].category == "none"
    few = ["Amsterdam Centraal", "Den Haag HS", "Utrecht Centraal", "Jan Jansen"]  # not every one a name
    assert classify(few, "column_4").category == "none"  # type: ignore[arg-type]
