"""Each built-in value recogniser on valid and invalid examples, custom recognisers, free-text names."""

from __future__ import annotations

import pytest
from faker import Faker

from jupyter_privacy.detect.recognizers import (
    ValueRecognizer,
    builtin_recognizers,
    custom_recognizers,
    text_recognizers,
)
from jupyter_privacy.policy import CustomRecognizer, PatternSpec


def _by_entity(recs: tuple[ValueRecognizer, ...]) -> dict[str, ValueRecognizer]:
    return {r.entity: r for r in recs}


BUILTIN = _by_entity(builtin_recognizers())
IN_TEXT = _by_entity(text_recognizers(builtin_recognizers()))


def _nir(body: str) -> str:
    """A NIR with its mod-97 key appended."""
    return body + f"{97 - int(body) % 97:02d}"


CASES: dict[str, tuple[list[str], list[str]]] = {
    "EMAIL_ADDRESS": (
        ["jan.jansen@example.nl", "a+b@sub.example.co.uk", "MARIE@EXAMPLE.FR"],
        ["not an email", "jan@", "@example.com", "jan@example", "jan at example dot com"],
    ),
    "CREDIT_CARD": (
        [
            "4111111111111111",  # Visa
            "4111 1111 1111 1111",
            "4111-1111-1111-1111",
            "5555555555554444",  # Mastercard 5-series
            "2221000000000009",  # Mastercard 2-series (2221-2720)
            "2720990000000007",
            "4111111111111111003",  # 19-digit Visa
            "378282246310005",  # Amex
        ],
        [
            "4111111111111112",
            "5555555555554445",
            "2221000000000008",
            "1234567812345678",
            "4111111111111111004",
        ],
    ),
    "IBAN_CODE": (
        [
            "NL91ABNA0417164300",
            "NL91 ABNA 0417 1643 00",
            "DE89370400440532013000",
            "GB82WEST12345698765432",
            "FR1420041010050500013M02606",
        ],
        ["NL92ABNA0417164300", "DE88370400440532013000", "GB83WEST12345698765432", "NL91ABNA"],
    ),
    "IP_ADDRESS": (
        [
            "192.168.1.1",
            "10.0.0.255",
            "8.8.8.8",
            "2001:db8::1",
            "fe80::1ff:fe23:4567:890a",
            "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
        ],
        ["256.1.1.1", "1.2.3", "hello", "1.2.3.4.5.6"],
    ),
    "MAC_ADDRESS": (
        ["00:1A:2B:3C:4D:5E", "00-1a-2b-3c-4d-5e", "001a.2b3c.4d5e"],
        ["00:1A:2B:3C:4D", "GG:1A:2B:3C:4D:5E", "001A2B3C4D5E6F7"],
    ),
    "NL_BSN": (
        ["111222333", "123456782", "1112.22.333"],
        ["123456789", "111222334", "000000000", "12345"],
    ),
    "UK_NHS": (
        ["9434765919", "943 476 5919", "943-476-5919"],
        ["9434765918", "1234567890", "943 476 591"],
    ),
    "UK_NINO": (
        ["AB123456C", "AB 12 34 56 C", "JG103759A"],
        ["QQ123456C", "AB123456E", "12345678", "DA123456C"],
    ),
    "FR_NIR": (
        ["184127645108946", "1 84 12 76 451 089 46", _nir("2850699012345")],
        ["184127645108947", "584127645108946", "18412764510894"],
    ),
    "DE_TAX_ID": (
        ["86095742719", "65929970489"],
        ["86095742718", "12345678901", "11111111111"],
    ),
    "PHONE_NUMBER": (
        [
            "+31 6 12345678",
            "020-1234567",
            "+44 20 7946 0958",
            "(415) 555-2671",
            "+1 415 555 2671",
            "06-12345678",
            "+49 30 901820",
        ],
        ["12345", "hello", "1234567", "2024-01-15"],
    ),
    "US_SSN": (
        ["536-22-8726", "219-09-9999", "457-55-5462"],
        ["000-12-3456", "666-12-3456", "536-22-872", "536228726"],
    ),
}


@pytest.mark.parametrize(
    ("entity", "value", "expected"),
    [(e, v, True) for e, (good, _bad) in CASES.items() for v in good]
    + [(e, v, False) for e, (_good, bad) in CASES.items() for v in bad],
)
def test_builtin_recognizer(entity: str, value: str, expected: bool) -> None:
    assert BUILTIN[entity].matches(value, whole=True) is expected


def test_every_builtin_entity_is_covered_here() -> None:
    covered = set(CASES) | {"ES_NIF", "IT_FISCAL_CODE", "PL_PESEL", "UK_POSTCODE"}
    assert set(BUILTIN) <= covered


def test_whole_value_match_needs_most_of_the_value() -> None:
    """An e-mail inside a sentence is not an e-mail *value*, but is found in running text."""
    text = "please write to jan.jansen@example.nl about the invoice for last month"
    assert not BUILTIN["EMAIL_ADDRESS"].matches(text, whole=True)
    assert BUILTIN["EMAIL_ADDRESS"].matches(text, whole=False)


@pytest.mark.parametrize("locale", ["nl_NL", "en_GB", "de_DE", "fr_FR", "en_US"])
def test_faker_emails_and_ibans(locale: str) -> None:
    fake = Faker(locale)
    Faker.seed(7)
    for _ in range(20):
        assert BUILTIN["EMAIL_ADDRESS"].matches(fake.email(), whole=True)
    if locale != "en_US":  # the US has no IBAN
        for _ in range(20):
            assert BUILTIN["IBAN_CODE"].matches(fake.iban(), whole=True)


def test_faker_credit_cards_are_luhn_valid() -> None:
    fake = Faker()
    Faker.seed(3)
    for card_type in ("visa16", "visa19", "mastercard", "amex"):
        for _ in range(10):
            number = fake.credit_card_number(card_type=card_type)
            assert BUILTIN["CREDIT_CARD"].matches(number, whole=True), card_type


def _spec(**kw: object) -> CustomRecognizer:
    base: dict[str, object] = {
        "name": "employee-number",
        "entity": "EMPLOYEE_ID",
        "patterns": [PatternSpec(name="emp", regex=r"\bEMP-\d{6}\b", score=0.9)],
        "context": ["employee"],
        "header_keywords": ["emp_no"],
    }
    base.update(kw)
    return CustomRecognizer.model_validate(base)


def test_custom_recognizer_from_policy_spec() -> None:
    (rec,) = custom_recognizers([_spec()])
    assert rec.entity == "EMPLOYEE_ID"
    assert rec.category == "direct"
    assert "EMPLOYEE_ID" in rec.header_concepts
    assert rec.matches("EMP-123456", whole=True)
    assert not rec.matches("EMP-12345", whole=True)
    assert not rec.matches("XEMP-1234567", whole=True)
    assert rec.matches("ticket raised by EMP-000042 yesterday", whole=False)


def test_custom_recognizer_keeps_special_category() -> None:
    spec = _spec(
        name="patient",
        entity="PATIENT_ID",
        category="special",
        special_category="HEALTH",
        patterns=[PatternSpec(name="mrn", regex=r"\bPAT\d{8}\b", score=0.8)],
    )
    (rec,) = custom_recognizers([spec])
    assert rec.category == "special"
    assert rec.matches("PAT12345678", whole=True)
    assert not rec.matches("PAT1234567", whole=True)


@pytest.mark.parametrize(
    "text",
    [
        "Hello, my name is Jan Jansen and I need help",
        "je m'appelle Marie Dupont, merci",
        "Goedemiddag, mijn naam is Pieter de Vries",
        "ich heiße Hans Müller",
        "Hola, me llamo Lucía García",
    ],
)
def test_self_introduction_is_a_person_in_text(text: str) -> None:
    assert IN_TEXT["PERSON"].matches(text, whole=False)


@pytest.mark.parametrize(
    "text",
    ["I am very happy with the delivery", "this is great value for money", "my name is unknown"],
)
def test_ordinary_sentences_are_not_self_introductions(text: str) -> None:
    assert not IN_TEXT["PERSON"].matches(text, whole=False)


def test_text_recognizers_include_entities_found_in_sentences() -> None:
    assert IN_TEXT["EMAIL_ADDRESS"].matches("please mail jan@example.com asap", whole=False)
    assert IN_TEXT["PHONE_NUMBER"].matches("call me on +31 6 12345678 tomorrow", whole=False)
    # identifiers that are only meaningful as a whole value are not searched in text
    assert "NL_BSN" not in IN_TEXT
    assert "DE_TAX_ID" not in IN_TEXT
