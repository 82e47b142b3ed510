"""Whose rows are these: the table verdict, its reasons, and how it weighs column findings."""

from __future__ import annotations

import json
import random

import pandas as pd
from faker import Faker

from jupyter_privacy import scan
from jupyter_privacy.detect.findings import ScanResult
from jupyter_privacy.policy import Policy, default_policy


def no_ner() -> Policy:
    base = default_policy()
    return base.model_copy(update={"detection": base.detection.model_copy(update={"ner_model": "none"})})


def run(df: pd.DataFrame) -> ScanResult:
    return scan(df, no_ner())


def survey(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """Made-up respondents of a labour survey (Dutch headers)."""
    r = random.Random(seed)
    return pd.DataFrame(
        {
            "respondent": range(1, n + 1),
            "leeftijd": [r.randint(18, 80) for _ in range(n)],
            "geslacht": [r.choice(["man", "vrouw"]) for _ in range(n)],
            "beroep": [r.choice(["leraar", "kok", "monteur", "arts"]) for _ in range(n)],
            "loon": [round(r.uniform(1500, 6000), 2) for _ in range(n)],
        }
    )


def countries(seed: int = 0) -> pd.DataFrame:
    """One row per country, with person-looking headers: not about anyone."""
    r = random.Random(seed)
    names = ["Sweden", "Norway", "Germany", "France", "Italy", "Spain", "Netherlands", "Belgium",
             "Austria", "Denmark", "Finland", "Ireland", "Portugal", "Greece", "Poland", "Canada",
             "Japan", "Australia", "New Zealand", "Switzerland"]  # fmt: skip
    return pd.DataFrame(
        {
            "land": names,
            "age": [r.randint(20, 60) for _ in names],  # median age of the population
            "religion": [round(r.random(), 2) for _ in names],
            "union": [round(r.uniform(10, 90), 1) for _ in names],
            "gdp": [r.randint(10_000, 90_000) for _ in names],
        }
    )


def test_a_survey_of_people_is_a_people_table_with_reasons() -> None:
    result = run(survey())
    assert result.table.subjects == "people"
    assert any("'respondent'" in r for r in result.table.reasons)
    assert any("attribute of a person" in r for r in result.table.reasons)
    assert json.loads(json.dumps(result.to_dict()))["table"]["subjects"] == "people"


def test_rows_that_are_countries_flag_nothing_and_say_why() -> None:
    result = run(countries())
    assert result.table.subjects == "things"
    assert any("country or region on every row" in r for r in result.table.reasons)
    assert result.flagged() == []
    assert any("rows describe things" in r for r in result["age"].reasons)


def test_the_same_headers_over_people_are_flagged() -> None:
    """The control for the test above: the headers are not what the verdict keys on."""
    df = survey()
    df["religion"] = random.Random(1).choices(["katholiek", "protestants", "moslim", "geen"], k=len(df))
    result = run(df)
    assert result["religion"].category == "special"
    assert result["leeftijd"].category == "quasi"


def test_a_table_of_counts_per_category_is_an_aggregate() -> None:
    df = pd.DataFrame(
        {
            "sex": ["female", "male"] * 3,
            "party": ["dem", "dem", "indep", "indep", "rep", "rep"],
            "count": [279, 165, 73, 47, 225, 191],
        }
    )
    result = run(df)
    assert result.table.subjects == "things"
    assert any("aggregate" in r for r in result.table.reasons)
    assert result["sex"].category == "none"


def test_animals_measured_in_the_field_are_not_people() -> None:
    r = random.Random(3)
    n = 200
    df = pd.DataFrame(
        {
            "Species": r.choices(["RT", "CH", "SS"], k=n),
            "Age": r.choices(["A", "I"], k=n),
            "Sex": r.choices(["F", "M"], k=n),
            "Wing": [r.uniform(150, 450) for _ in range(n)],
            "Tail": [r.randint(120, 290) for _ in range(n)],
            "Weight": [r.uniform(50, 2000) for _ in range(n)],
        }
    )
    result = run(df)
    assert result.table.subjects == "things"
    assert result["Sex"].category == "none"


def test_in_a_table_of_things_values_about_people_stay_flagged() -> None:
    """Houses are things, but the e-mail of the seller and the street address of a home are not."""
    Faker.seed(4)
    fake = Faker("en_US")
    r = random.Random(4)
    n = 150
    df = pd.DataFrame(
        {
            "Address": [fake.street_address() for _ in range(n)],
            "agent_email": [fake.email() for _ in range(n)],
            "Bedrooms": [r.randint(1, 6) for _ in range(n)],
            "Baths": [r.choice([1.0, 1.5, 2.0, 3.0]) for _ in range(n)],
            "SquareFeet": [r.randint(600, 4000) for _ in range(n)],
            "YearBuilt": [r.randint(1890, 2020) for _ in range(n)],
        }
    )
    result = run(df)
    assert result.table.subjects == "things"
    assert result["Address"].category == "direct"
    assert result["agent_email"].entities == ["EMAIL_ADDRESS"]


def test_without_evidence_the_verdict_is_unknown_and_columns_decide() -> None:
    Faker.seed(5)
    fake = Faker("en_US")
    df = pd.DataFrame({"a": [fake.email() for _ in range(100)], "b": range(100)})
    result = run(df)
    assert result["a"].category == "direct"
    assert result.table.subjects in ("people", "unknown")
