"""The multilingual column-name lexicon (data/headers.yaml) through match_header()."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jupyter_privacy.detect.headers import STEM, STRONG, WEAK, match_header


def concepts(name: object) -> list[str]:
    return [h.concept for h in match_header(name)]


def top(name: object) -> tuple[str, float] | None:
    hints = match_header(name)
    return (hints[0].concept, hints[0].strength) if hints else None


@pytest.mark.parametrize(
    ("name", "concept"),
    [
        # en
        ("email", "EMAIL_ADDRESS"),
        ("Date Of Birth", "DATE_OF_BIRTH"),
        ("dob", "DATE_OF_BIRTH"),
        ("phone", "PHONE_NUMBER"),
        ("last_name", "PERSON"),
        ("zip_code", "POSTCODE"),
        ("ip_address", "IP_ADDRESS"),
        ("mac", "MAC_ADDRESS"),
        ("ssn", "NATIONAL_ID"),
        ("religion", "RELIGION"),
        ("diagnosis_code", "HEALTH"),
        ("union_member", "TRADE_UNION"),
        ("sexual_orientation", "SEXUAL_ORIENTATION"),
        ("ethnicity", "ETHNICITY"),
        ("gender", "GENDER"),
        ("nationality", "NATIONALITY"),
        ("iban", "IBAN_CODE"),
        ("credit_card_number", "CREDIT_CARD"),
        ("latitude", "GEO_COORDINATE"),
        ("username", "ONLINE_ID"),
        ("license_plate", "VEHICLE_ID"),
        # nl
        ("achternaam", "PERSON"),
        ("woonplaats", "CITY"),
        ("geslacht", "GENDER"),
        ("bsn", "NATIONAL_ID"),
        ("straatnaam", "STREET_ADDRESS"),
        ("rekeningnummer", "IBAN_CODE"),
        ("vakbond", "TRADE_UNION"),
        # de
        ("Nachname", "PERSON"),
        ("PLZ", "POSTCODE"),
        ("Wohnort", "CITY"),
        ("Geburtsdatum", "DATE_OF_BIRTH"),
        ("Gewerkschaftsmitglied", "TRADE_UNION"),
        ("Konfession", "RELIGION"),
        ("E-Mail-Adresse", "EMAIL_ADDRESS"),
        # fr
        ("prénom", "PERSON"),
        ("date_de_naissance", "DATE_OF_BIRTH"),
        ("courriel", "EMAIL_ADDRESS"),
        ("code_postal", "POSTCODE"),
        ("sexe", "GENDER"),
        ("numero_securite_sociale", "NATIONAL_ID"),
        ("maladie", "HEALTH"),
        # es
        ("apellidos", "PERSON"),
        ("correo_electronico", "EMAIL_ADDRESS"),
        ("telefono", "PHONE_NUMBER"),
        ("fecha_nacimiento", "DATE_OF_BIRTH"),
        ("codigo_postal", "POSTCODE"),
        ("orientacion_sexual", "SEXUAL_ORIENTATION"),
        # it
        ("cognome", "PERSON"),
        ("codice_fiscale", "NATIONAL_ID"),
        ("numero_di_telefono", "PHONE_NUMBER"),
        ("data_di_nascita", "DATE_OF_BIRTH"),
        ("partito_politico", "POLITICAL_OPINION"),
    ],
)
def test_lexicon_languages(name: str, concept: str) -> None:
    assert concepts(name)[:1] == [concept]


@pytest.mark.parametrize(
    ("name", "concept"),
    [
        ("firstName", "PERSON"),
        ("emailAddress", "EMAIL_ADDRESS"),
        ("dateOfBirth", "DATE_OF_BIRTH"),
        ("IPAddress", "IP_ADDRESS"),
        ("postalCode", "POSTCODE"),
        ("phoneNumber", "PHONE_NUMBER"),
    ],
)
def test_camel_case_is_split(name: str, concept: str) -> None:
    assert top(name) is not None and top(name)[0] == concept  # type: ignore[index]


@pytest.mark.parametrize(
    ("name", "concept"),
    [
        ("geboortedatum", "DATE_OF_BIRTH"),
        ("Telefonnummer", "PHONE_NUMBER"),
        ("Krankenversicherungsnummer", "NATIONAL_ID"),
        ("klantgeboortedatum", "DATE_OF_BIRTH"),
        ("Mobielnummer", "PHONE_NUMBER"),
        ("Handynummer", "PHONE_NUMBER"),
        ("Kundenname", "PERSON"),
        ("klantnaam", "PERSON"),
        ("Patientenname", "PERSON"),
        ("kundnamn", "PERSON"),
    ],
)
def test_compounds_match_by_stem(name: str, concept: str) -> None:
    hint = match_header(name)[0]
    assert hint.concept == concept
    assert hint.strength >= STEM


@pytest.mark.parametrize(
    ("name", "concept"),
    [
        ("Staatsangehörigkeit", "NATIONALITY"),
        ("STAATSANGEHÖRIGKEIT", "NATIONALITY"),
        ("Prénom", "PERSON"),
        ("Nationalité", "NATIONALITY"),
        ("religionszugehörigkeit", "RELIGION"),
    ],
)
def test_accents_are_folded(name: str, concept: str) -> None:
    assert concepts(name)[:1] == [concept]


@pytest.mark.parametrize(
    ("name", "not_concept"),
    [
        ("product_name", "PERSON"),
        ("company_name", "PERSON"),
        ("file_name", "PERSON"),
        ("hostname", "PERSON"),
        ("Produktname", "PERSON"),
        # the product/company/brand/shop exclusions in es, it, pt, pl, sv (issue 10)
        ("nombre_producto", "PERSON"),
        ("nombre_empresa", "PERSON"),
        ("nome_prodotto", "PERSON"),
        ("nome_azienda", "PERSON"),
        ("nome_produto", "PERSON"),
        ("nome_loja", "PERSON"),
        ("nazwa_produktu", "PERSON"),
        ("nazwa_sklepu", "PERSON"),
        ("produktnamn", "PERSON"),
        ("foretagets_namn", "PERSON"),
        ("produktens_namn", "PERSON"),
        ("email_date", "EMAIL_ADDRESS"),
        ("email_opt_in", "EMAIL_ADDRESS"),
        ("email_campaign", "EMAIL_ADDRESS"),
        ("phone_model", "PHONE_NUMBER"),
        ("phone_os", "PHONE_NUMBER"),
        ("city_code", "CITY"),
        ("health_check", "HEALTH"),
        ("server_health", "HEALTH"),
        ("screen_orientation", "SEXUAL_ORIENTATION"),
        ("card_type", "CREDIT_CARD"),
        ("place_of_birth", "DATE_OF_BIRTH"),
        ("horse_race", "ETHNICITY"),
        ("username_count", "ONLINE_ID"),
        ("login_attempts", "ONLINE_ID"),
    ],
)
def test_unless_tokens_cancel_the_concept(name: str, not_concept: str) -> None:
    assert not_concept not in concepts(name)


def test_place_of_birth_is_a_city_not_a_date() -> None:
    assert concepts("place_of_birth") == ["CITY"]


@pytest.mark.parametrize(
    ("name", "concept"),
    [
        ("orientation", "SEXUAL_ORIENTATION"),
        ("race", "ETHNICITY"),
        ("health", "HEALTH"),
        ("login", "ONLINE_ID"),
        ("fax", "PHONE_NUMBER"),
    ],
)
def test_ambiguous_names_are_weak_hints(name: str, concept: str) -> None:
    (hint,) = match_header(name)
    assert hint.concept == concept
    assert hint.strength == WEAK


def test_strong_phrases_beat_weak_ones() -> None:
    (hint,) = match_header("sexual_orientation")
    assert hint.strength == STRONG
    hints = match_header("health_insurance_number")
    assert hints[0].concept == "NATIONAL_ID"
    assert "HEALTH" not in [h.concept for h in hints]


def test_hints_are_sorted_strongest_first() -> None:
    for name in ("email_phone", "patient_diagnosis_name", "Geburtsdatum_Wohnort", "mobile_email_address"):
        strengths = [h.strength for h in match_header(name)]
        assert strengths == sorted(strengths, reverse=True)


def test_extra_keywords_from_custom_recognizers() -> None:
    extra = {"EMPLOYEE_ID": ["emp_no", "personeelsnummer"]}
    assert [(h.concept, h.category) for h in match_header("EMP_NO", extra)] == [("EMPLOYEE_ID", "custom")]
    assert [h.concept for h in match_header("personeelsnummer_2024", extra)] == ["EMPLOYEE_ID"]
    assert match_header("emp_no") == []


@pytest.mark.parametrize(
    "name", [0, 1, -3, 3.5, None, "", "   ", "__", ("a", 1), ("contact", None), (), b"email"]
)
def test_non_string_names_do_not_crash(name: object) -> None:
    assert isinstance(match_header(name), list)


def test_tuple_names_from_a_multiindex_are_matched() -> None:
    assert concepts(("contact", "email")) == ["EMAIL_ADDRESS"]
    assert concepts(0) == [] and concepts(None) == []


@given(st.one_of(st.text(), st.integers(), st.floats(), st.none(), st.tuples(st.text(), st.integers())))
def test_match_header_never_raises(name: object) -> None:
    for hint in match_header(name):
        assert hint.strength in (STRONG, STEM, WEAK)
        assert hint.category in ("direct", "quasi", "special")
