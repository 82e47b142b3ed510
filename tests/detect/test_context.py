"""Art. 9 flags and codes that only the table reveals (rule ``context``), in several languages."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from jupyter_privacy import scan
from jupyter_privacy.detect.findings import ColumnFinding
from jupyter_privacy.policy import Policy, default_policy

N = 300


def no_ner() -> Policy:
    base = default_policy()
    return base.model_copy(update={"detection": base.detection.model_copy(update={"ner_model": "none"})})


def people(seed: int = 0) -> pd.DataFrame:
    """Respondents: age, gender and occupation say the rows are people."""
    r = random.Random(seed)
    return pd.DataFrame(
        {
            "age": [r.randint(18, 80) for _ in range(N)],
            "gender": r.choices(["male", "female"], k=N),
            "occupation": r.choices(["white", "blue"], k=N),
            "wage": [r.randint(300, 3000) for _ in range(N)],
        }
    )


def with_column(name: str, values: list[object], seed: int = 0) -> ColumnFinding:
    df = people(seed)
    df[name] = values
    result = scan(df, no_ner())
    assert result.table.subjects == "people"
    return result[name]


def flags(yes: str, no: str, seed: int = 1) -> list[object]:
    return random.Random(seed).choices([yes, no], k=N)


@pytest.mark.parametrize(
    ("header", "yes", "no", "concept"),
    [
        ("union", "yes", "no", "TRADE_UNION"),
        ("vakbond", "ja", "nee", "TRADE_UNION"),
        ("Gewerkschaft", "ja", "nein", "TRADE_UNION"),
        ("syndique", "oui", "non", "TRADE_UNION"),
        ("sindicato", "si", "no", "TRADE_UNION"),
        ("iscritto_sindacato", 1, 0, "TRADE_UNION"),
        ("black", 1, 0, "ETHNICITY"),
        ("hispanic", "hispanic", "not", "ETHNICITY"),
        ("diabetes", True, False, "HEALTH"),
        ("hiv", "Y", "N", "HEALTH"),
        ("zwanger", "ja", "nee", "HEALTH"),
        ("behindert", "ja", "nein", "HEALTH"),
        ("enceinte", "oui", "non", "HEALTH"),
        ("discapacidad", "si", "no", "HEALTH"),
        ("malattia", 1, 0, "HEALTH"),
        ("Infection", 1, 0, "HEALTH"),
        ("party", "D", "R", "POLITICAL_OPINION"),
        ("partij", "VVD", "PvdA", "POLITICAL_OPINION"),
        ("catholic", 1, 0, "RELIGION"),
    ],
)
def test_flags_under_art9_headers_are_special_in_a_people_table(
    header: str, yes: object, no: object, concept: str
) -> None:
    found = with_column(header, flags(yes, no))  # type: ignore[arg-type]
    assert (found.category, found.special_category) == ("special", concept)
    # unambiguous words (vakbond, zwanger) or values (VVD) are special anywhere; the others only among people
    if found.rule not in ("header", "vocabulary"):
        assert found.rule == "context"
        assert any("in a table about people" in r for r in found.reasons)


@pytest.mark.parametrize("header", ["union", "black", "hispanic", "Infection", "party", "catholic"])
def test_ambiguous_words_need_the_people_table(header: str) -> None:
    assert with_column(header, flags("1", "0") if header != "party" else flags("D", "R")).rule == "context"


def test_the_same_flags_in_a_table_of_countries_are_not_flagged() -> None:
    r = random.Random(2)
    names = ["Sweden", "Norway", "Germany", "France", "Italy", "Spain", "Netherlands", "Belgium",
             "Austria", "Denmark", "Finland", "Ireland"]  # fmt: skip
    df = pd.DataFrame({"country": names, "union": r.choices([0, 1], k=12), "black": r.choices([0, 1], k=12)})
    result = scan(df, no_ner())
    assert result["union"].category == "none" and result["black"].category == "none"


def test_a_number_under_party_is_not_a_party() -> None:
    """`party` holding 1-12 is the size of a booking party, not a political affiliation."""
    found = with_column("party", random.Random(3).choices(range(1, 9), k=N))
    assert found.category == "none"


def test_clinical_measurements_are_health_data() -> None:
    r = random.Random(4)
    found = with_column("SysBP", [r.randint(80, 200) for _ in range(N)])
    assert (found.special_category, found.rule) == ("HEALTH", "context")
    assert with_column("hartslag", [r.randint(50, 120) for _ in range(N)]).special_category == "HEALTH"


def test_test_results_in_a_table_about_patients_are_health_data() -> None:
    df = people()
    df["patient_class"] = random.Random(5).choices(["inpatient", "outpatient"], k=N)
    df["result"] = random.Random(6).choices(["negative", "positive", "invalid"], weights=[90, 8, 2], k=N)
    result = scan(df, no_ner())
    assert (result["result"].special_category, result["result"].rule) == ("HEALTH", "context")


def test_a_result_column_without_medical_context_is_not_health() -> None:
    df = people()
    df["result"] = random.Random(6).choices(["negative", "positive"], k=N)
    assert scan(df, no_ner())["result"].category == "none"


def test_a_rating_under_a_politicians_surname_is_a_political_opinion() -> None:
    r = random.Random(7)
    df = people()
    df["vote"] = r.choices(["Labour", "Conservative", "Liberal Democrat"], k=N)
    df["Kennedy"] = [r.randint(1, 5) for _ in range(N)]
    result = scan(df, no_ner())
    assert result["vote"].special_category == "POLITICAL_OPINION"
    assert (result["Kennedy"].special_category, result["Kennedy"].rule) == ("POLITICAL_OPINION", "context")
    # without political questions in the survey the same scale is just a scale
    del df["vote"]
    assert scan(df, no_ner())["Kennedy"].category == "none"


def test_country_or_state_of_people_is_a_quasi_identifier() -> None:
    r = random.Random(8)
    country = with_column("country", r.choices(["USA", "Norway", "Sweden", "Australia", "Mexico"], k=N))
    assert (country.category, country.rule) == ("quasi", "context")
    assert with_column("state", r.choices(["NY", "FL", "CA", "TX", "MI"], k=N)).category == "quasi"
    # `state` of something else (a workflow) is not a place
    assert with_column("state", r.choices(["open", "closed", "pending"], k=N)).category == "none"
