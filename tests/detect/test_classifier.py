"""Classification rules on small frames, through the public scan() API."""

from __future__ import annotations

import json
import random
from datetime import date

import numpy as np
import pandas as pd
import pytest
from faker import Faker

from jupyter_privacy import scan
from jupyter_privacy.detect import scan_dataframe
from jupyter_privacy.detect.findings import ColumnFinding
from jupyter_privacy.policy import CustomRecognizer, PatternSpec, Policy, default_policy

N = 200


def policy(**detection: object) -> Policy:
    base = default_policy()
    settings = base.detection.model_copy(update={"ner_model": "none", **detection})
    return base.model_copy(update={"detection": settings})


NO_NER = policy()


def classify(values: object, name: str = "col", pol: Policy = NO_NER) -> ColumnFinding:
    df = pd.DataFrame({name: values})
    return scan(df, pol)[name]


def rng(seed: int = 0) -> tuple[random.Random, Faker]:
    Faker.seed(seed)
    return random.Random(seed), Faker("en_GB")


def bsn(r: random.Random) -> str:
    while True:
        first8 = [r.randint(0, 9) for _ in range(8)]
        total = sum(d * w for d, w in zip(first8, range(9, 1, -1), strict=True))
        if total % 11 != 10 and total >= 11 and first8[0] != 0:
            return "".join(map(str, first8)) + str(total % 11)


# -- coverage thresholds ------------------------------------------------------------------------


def test_one_email_in_200_values_is_not_an_email_column() -> None:
    r, f = rng(1)
    values = [f"REF-{r.randint(10000, 99999)}" for _ in range(N - 1)] + [f.email()]
    found = classify(values, "ref")
    assert found.category == "none"


def test_mostly_emails_is_an_email_column() -> None:
    r, f = rng(2)
    values = [f.email() if i % 5 else f"REF-{r.randint(10000, 99999)}" for i in range(N)]  # 80% e-mails
    found = classify(values, "c7")
    assert (found.category, found.entities) == ("direct", ["EMAIL_ADDRESS"])
    assert found.coverage == pytest.approx(0.8, abs=0.05)
    assert 0 < found.score <= 1


def test_header_support_lowers_the_coverage_needed() -> None:
    _r, f = rng(3)
    values = [f.email() if i % 5 < 2 else "unknown@" for i in range(N)]  # 40% e-mails
    assert classify(values, "c7").category == "none"
    with_header = classify(values, "contact_email")
    assert (with_header.category, with_header.entities) == ("direct", ["EMAIL_ADDRESS"])


def test_coverage_thresholds_come_from_the_policy() -> None:
    _r, f = rng(4)
    values = [f.email() if i % 2 else "n/a-value" for i in range(N)]  # 50% e-mails
    assert classify(values, "c1").category == "none"
    assert classify(values, "c1", policy(min_coverage=0.4)).entities == ["EMAIL_ADDRESS"]


# -- checksums and digit runs -------------------------------------------------------------------


def test_random_nine_digit_numbers_are_not_bsn() -> None:
    r, _ = rng(5)
    values = [str(r.randint(10**8, 10**9 - 1)) for _ in range(N)]
    found = classify(values, "c3")
    assert "NL_BSN" not in found.entities
    assert found.category == "none"


def test_valid_bsns_are_bsn_even_without_a_header() -> None:
    r, _ = rng(6)
    found = classify([bsn(r) for _ in range(N)], "c3")
    assert (found.category, found.entities) == ("direct", ["NL_BSN"])


def test_valid_bsns_as_integers_are_bsn() -> None:
    r, _ = rng(7)
    found = classify([int(bsn(r)) for _ in range(N)], "burgerservicenummer")
    assert found.entities == ["NL_BSN"]


@pytest.mark.parametrize("digits", [7, 8, 10, 11])
def test_bare_digit_serials_are_not_phone_numbers(digits: int) -> None:
    r, _ = rng(digits)
    values = [str(r.randint(10 ** (digits - 1), 10**digits - 1)) for _ in range(N)]
    found = classify(values, "serial")
    assert "PHONE_NUMBER" not in found.entities
    assert found.category == "none"


def test_formatted_phone_numbers_are_phones() -> None:
    r, _ = rng(8)
    values = [f"+31 6 {r.randint(10000000, 99999999)}" for _ in range(N)]
    assert classify(values, "c9").entities == ["PHONE_NUMBER"]


# -- special categories -------------------------------------------------------------------------


def test_special_category_from_header() -> None:
    r, _ = rng(9)
    found = classify([r.choice(["A", "B", "C"]) for _ in range(N)], "religion")
    assert (found.category, found.entities, found.special_category) == ("special", ["RELIGION"], "RELIGION")


def test_boolean_union_member_is_special() -> None:
    r, _ = rng(10)
    found = classify([r.random() < 0.3 for _ in range(N)], "union_member")
    assert (found.category, found.entities) == ("special", ["TRADE_UNION"])


def test_ambiguous_orientation_needs_matching_values() -> None:
    r, _ = rng(11)
    screen = classify([r.choice(["portrait", "landscape"]) for _ in range(N)], "orientation")
    assert screen.category == "none"
    sexual = classify(
        [r.choice(["heterosexual", "gay", "bisexual", "lesbian"]) for _ in range(N)], "orientation"
    )
    assert (sexual.category, sexual.entities) == ("special", ["SEXUAL_ORIENTATION"])


@pytest.mark.parametrize(
    ("values", "entity"),
    [
        (["diabetes", "asthma", "hypertension", "depression", "migraine"], "HEALTH"),
        (["metformin", "salbutamol", "atorvastatin", "omeprazole"], "HEALTH"),
        (["catholic", "muslim", "protestant", "jewish", "atheist"], "RELIGION"),
        (["VVD", "PvdA", "GroenLinks", "D66", "CDA"], "POLITICAL_OPINION"),
        (["asian", "caucasian", "hispanic", "white", "black"], "ETHNICITY"),
    ],
)
def test_special_category_from_values_with_a_meaningless_header(values: list[str], entity: str) -> None:
    r, _ = rng(12)
    found = classify([r.choice(values) for _ in range(N)], "field_17")
    assert (found.category, found.entities) == ("special", [entity])
    assert found.coverage is not None and found.coverage >= 0.7


def test_icd10_codes_across_chapters_are_health() -> None:
    r, _ = rng(13)
    codes = ["E11.9", "J45.909", "I10", "F32.1", "M54.5", "K21.9", "C50.9"]
    found = classify([r.choice(codes) for _ in range(N)], "x1")
    assert (found.category, found.entities) == ("special", ["HEALTH"])


def test_sensor_codes_of_one_letter_are_not_icd10() -> None:
    r, _ = rng(14)
    found = classify([f"S{r.randint(1, 99):03d}" for _ in range(N)], "x1")
    assert found.category == "none"


def test_colours_only_are_not_ethnicity() -> None:
    r, _ = rng(15)
    found = classify([r.choice(["white", "black", "red"]) for _ in range(N)], "color")
    assert found.category == "none"
    found = classify([r.choice(["white", "black", "red", "green"]) for _ in range(N)], "v")
    assert found.category == "none"


@pytest.mark.parametrize(
    "codes",
    [["M", "F"], ["m", "f", "x"], ["male", "female"], ["Man", "Vrouw"], ["männlich", "weiblich", "divers"]],
)
def test_gender_code_sets_are_quasi(codes: list[str]) -> None:
    r, _ = rng(16)
    found = classify([r.choice(codes) for _ in range(N)], "attr_3")
    assert (found.category, found.entities) == ("quasi", ["GENDER"])


def test_clothing_sizes_are_not_gender() -> None:
    r, _ = rng(17)
    assert classify([r.choice(["S", "M", "L", "XL"]) for _ in range(N)], "size").category == "none"


def test_nl_postcodes_by_value() -> None:
    _r, _ = rng(18)
    nl = Faker("nl_NL")
    found = classify([nl.postcode() for _ in range(N)], "pc4")
    assert (found.category, found.entities) == ("quasi", ["POSTCODE"])


def test_birth_dates_by_value() -> None:
    _r, f = rng(19)
    found = classify([f.date_of_birth(minimum_age=18, maximum_age=90).isoformat() for _ in range(N)], "d1")
    assert (found.category, found.entities) == ("quasi", ["DATE_OF_BIRTH"])


def test_event_dates_are_not_birth_dates() -> None:
    _r, f = rng(20)
    found = classify([f.date_between("-60y", "today").isoformat() for _ in range(N)], "batch_date")
    assert found.category == "none"


# -- free text ----------------------------------------------------------------------------------


def test_free_text_with_a_few_emails_and_phones_is_direct() -> None:
    r, f = rng(21)
    filler = [
        "ticket closed by the agent",
        "customer asked about delivery times",
        "follow up next week please",
        "refund processed without problems",
        "package arrived damaged, replacement sent",
    ]
    values = [r.choice(filler) for _ in range(N)]
    values[3] = f"please reply to {f.email()} about the refund"
    values[50] = f"call back on +44 20 7946 {r.randint(1000, 9999)} after five"
    values[99] = f"new address for invoices: {f.email()} from now on"
    found = classify(values, "notes")
    assert found.category == "direct"
    assert {"EMAIL_ADDRESS", "PHONE_NUMBER"} <= set(found.entities)


def test_free_text_without_personal_data_is_not_flagged() -> None:
    r, _ = rng(22)
    feedback = [
        "I am very happy with the delivery",
        "This is great value for money",
        "I am not satisfied, the box was damaged",
        "Delivery was slow but fine",
        "Would buy again from this store",
        "the colour is darker than on the photo",
    ]
    found = classify([r.choice(feedback) for _ in range(N)], "feedback")
    assert found.category == "none"


def test_free_text_without_personal_data_or_introductions_is_not_flagged() -> None:
    r, _ = rng(23)
    notes = [
        "device ok after reboot",
        "replaced the cooling fan",
        "firmware 2.1 installed on site",
        "cable was loose, fixed",
        "waiting for spare parts from the supplier",
    ]
    assert classify([r.choice(notes) for _ in range(N)], "notes").category == "none"


# -- column types -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("amount", np.random.default_rng(0).normal(100, 20, N)),
        ("count", np.arange(N)),
        ("flag", [True, False] * (N // 2)),
        ("created_at", pd.date_range("2024-01-01", periods=N, freq="h")),
        ("empty", [None] * N),
        ("nan_floats", [np.nan] * N),
        ("mixed", [1, "a", 2.5, None, True, b"x", date(2020, 1, 1), "b"] * (N // 8)),
    ],
)
def test_plain_columns_are_not_personal(name: str, values: object) -> None:
    found = classify(values, name)
    assert found.category == "none"
    assert found.entities == []


def test_numeric_name_column_is_not_a_person() -> None:
    """NaN must never become text: a float column with NaN under a 'name' header is not PERSON."""
    values = [float(i) + 0.5 if i % 3 else np.nan for i in range(N)]
    found = classify(values, "name")
    assert found.category == "none"
    assert "PERSON" not in found.entities


def test_all_null_text_tokens_are_empty_not_person() -> None:
    found = classify(["nan", "None", "", "NULL", None] * 40, "col_x")
    assert found.category == "none"


def test_all_null_column_under_a_strong_header_is_flagged_from_the_name() -> None:
    found = classify([None] * N, "email")
    assert (found.category, found.entities, found.coverage) == ("direct", ["EMAIL_ADDRESS"], None)


def test_boolean_column_under_a_phone_header_is_a_flag() -> None:
    assert classify([True, False] * (N // 2), "phone").category == "none"


def test_person_header_with_names_is_direct() -> None:
    _r, f = rng(24)
    found = classify([f.name() for _ in range(N)], "full_name")
    assert (found.category, found.entities) == ("direct", ["PERSON"])


def test_mixed_type_object_column_does_not_crash_and_is_scanned() -> None:
    _r, f = rng(25)
    values: list[object] = [f.email() for _ in range(N)]
    values[::10] = [None] * len(values[::10])
    values[1::10] = [42] * len(values[1::10])
    found = classify(values, "c1")
    assert found.entities == ["EMAIL_ADDRESS"]


# -- policy: custom recognisers, ignored columns -------------------------------------------------


def custom_policy() -> Policy:
    specs = [
        CustomRecognizer(
            name="employee-number",
            entity="EMPLOYEE_ID",
            category="direct",
            patterns=[PatternSpec(name="emp", regex=r"\bEMP-\d{6}\b", score=0.9)],
            header_keywords=["emp_no"],
        ),
        CustomRecognizer(
            name="patient",
            entity="PATIENT_ID",
            category="special",
            special_category="HEALTH",
            patterns=[PatternSpec(name="mrn", regex=r"\bPAT\d{8}\b", score=0.8)],
        ),
    ]
    return policy(custom_recognizers=specs)


def test_custom_recognizer_from_policy_is_flagged() -> None:
    r, _ = rng(26)
    df = pd.DataFrame(
        {
            "c1": [f"EMP-{r.randint(0, 999999):06d}" for _ in range(N)],
            "c2": [f"PAT{r.randint(0, 10**8 - 1):08d}" for _ in range(N)],
            "c3": [f"ORD-{r.randint(0, 999999):06d}" for _ in range(N)],
        }
    )
    result = scan(df, custom_policy())
    assert (result["c1"].category, result["c1"].entities) == ("direct", ["EMPLOYEE_ID"])
    assert (result["c2"].category, result["c2"].entities) == ("special", ["PATIENT_ID"])
    assert result["c3"].category == "none"
    # without the policy the identifiers mean nothing
    assert scan(df, NO_NER)["c1"].category == "none"


def test_ignore_columns() -> None:
    _r, f = rng(27)
    df = pd.DataFrame(
        {"email": [f.email() for _ in range(N)], "row_id": range(N), "other": [f.email() for _ in range(N)]}
    )
    result = scan(df, policy(ignore_columns=["email"]))
    assert result["email"].category == "none"
    assert result["email"].reasons == ["ignored by the policy"]
    assert result["other"].entities == ["EMAIL_ADDRESS"]
    assert [c.name for c in result.columns] == ["email", "row_id", "other"]


# -- re-identification --------------------------------------------------------------------------


def test_reidentification_on_a_tiny_frame() -> None:
    df = pd.DataFrame(
        {
            "gender": ["M", "F", "M", "F", "M", "F", "M", "F"],
            "postcode": [
                "1011 AB",
                "1011 AB",
                "1011 AB",
                "2022 CD",
                "2022 CD",
                "2022 CD",
                "1011 AB",
                "3033 EF",
            ],
            "amount": [1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5],
        }
    )
    result = scan(df, NO_NER)
    assert result["gender"].category == "quasi"
    assert result["postcode"].category == "quasi"
    reid = result.reidentification
    assert reid is not None
    assert sorted(reid.quasi_identifiers) == ["gender", "postcode"]
    # groups: (M,1011AB) x3, (F,1011AB) x1, (M,2022CD) x1, (F,2022CD) x2, (F,3033EF) x1
    assert reid.rows == 8
    assert reid.unique_rows == 3
    assert reid.unique_share == pytest.approx(3 / 8)
    assert reid.k == 1


def test_reidentification_with_no_unique_rows() -> None:
    df = pd.DataFrame({"gender": ["M", "F"] * 10, "x": range(20)})
    reid = scan(df, NO_NER).reidentification
    assert reid is not None and reid.quasi_identifiers == ["gender"]
    assert (reid.unique_rows, reid.k) == (0, 10)


def test_no_quasi_identifiers_no_reidentification_figure() -> None:
    assert scan(pd.DataFrame({"amount": [1.0, 2.0, 3.0]}), NO_NER).reidentification is None


# -- the result never holds a cell value --------------------------------------------------------


def test_result_never_contains_a_raw_value() -> None:
    r, f = rng(28)
    df = pd.DataFrame(
        {
            "email": [f.email() for _ in range(N)],
            "full_name": [f.name() for _ in range(N)],
            "phone": [f.phone_number() for _ in range(N)],
            "notes": [f"contact {f.name()} at {f.email()}" for _ in range(N)],
            "city": [f.city() for _ in range(N)],
            "diagnosis": [r.choice(["diabetes", "asthma", "hypertension"]) for _ in range(N)],
        }
    )
    result = scan(df, default_policy(), source="customers.csv")
    text = json.dumps(result.to_dict(), ensure_ascii=False) + result.to_table()
    cells = {str(v) for col in df.columns for v in df[col]}
    # words of multi-word values too (a first or last name on its own is still personal data)
    parts = {p for v in cells for p in v.replace(",", " ").split() if len(p) >= 5} - {"contact"}
    leaked = sorted(v for v in cells | parts if v in text)
    assert leaked == []
    assert {c.name for c in result.columns} == set(df.columns)


def test_scan_dataframe_rejects_non_frames() -> None:
    with pytest.raises(TypeError):
        scan_dataframe([1, 2, 3])  # type: ignore[arg-type]


def test_scan_is_deterministic() -> None:
    _r, f = rng(29)
    df = pd.DataFrame({"a": [f.email() for _ in range(3000)], "b": [f.name() for _ in range(3000)]})
    one, two = scan(df, NO_NER), scan(df, NO_NER)
    assert one.to_dict() == two.to_dict()
    assert (one.rows, one.sampled_rows) == (3000, 1000)
