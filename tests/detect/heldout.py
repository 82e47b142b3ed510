"""Held-out tables for detection tests: languages, header names and layouts the dev set lacks.

Each builder returns (DataFrame, expected) where expected maps a column to the category it must
get ("direct", "special", "quasi", "none"), optionally with an entity substring after a colon.
Generated with Faker so nothing personal is committed.
"""

from __future__ import annotations

import random

import pandas as pd
from faker import Faker

N = 600


def _rng(seed: int) -> random.Random:
    Faker.seed(seed)
    return random.Random(seed)


def german_hr() -> tuple[pd.DataFrame, dict[str, str]]:
    r = _rng(11)
    f = Faker("de_DE")
    df = pd.DataFrame(
        {
            "Personalnummer": [f"{r.randint(10000, 99999)}" for _ in range(N)],
            "Vorname": [f.first_name() for _ in range(N)],
            "Nachname": [f.last_name() for _ in range(N)],
            "E-Mail-Adresse": [f.email() for _ in range(N)],
            "Telefonnummer": [f.phone_number() for _ in range(N)],
            "Geburtsdatum": [
                f.date_of_birth(minimum_age=18, maximum_age=70).strftime("%d.%m.%Y") for _ in range(N)
            ],
            "PLZ": [f.postcode() for _ in range(N)],
            "Wohnort": [f.city() for _ in range(N)],
            "Konfession": [
                r.choice(["evangelisch", "katholisch", "konfessionslos", "muslimisch"]) for _ in range(N)
            ],
            "Gewerkschaftsmitglied": [r.choice(["ja", "nein"]) for _ in range(N)],
            "Gehalt": [round(r.uniform(2000, 9000), 2) for _ in range(N)],
            "Abteilung": [r.choice(["Vertrieb", "Einkauf", "IT"]) for _ in range(N)],
            "Eintrittsdatum": [f.date_between("-3y", "today").isoformat() for _ in range(N)],
        }
    )
    exp = {
        "Vorname": "direct:PERSON",
        "Nachname": "direct:PERSON",
        "E-Mail-Adresse": "direct:EMAIL",
        "Telefonnummer": "direct:PHONE",
        "Geburtsdatum": "quasi",
        "PLZ": "quasi",
        "Wohnort": "quasi",
        "Konfession": "special:RELIGION",
        "Gewerkschaftsmitglied": "special:TRADE_UNION",
        "Gehalt": "none",
        "Abteilung": "none",
        "Eintrittsdatum": "none",
    }
    return df, exp


def french_clinic() -> tuple[pd.DataFrame, dict[str, str]]:
    r = _rng(12)
    f = Faker("fr_FR")
    df = pd.DataFrame(
        {
            "nom_complet": [f.name() for _ in range(N)],
            "numero_securite_sociale": [f.ssn() for _ in range(N)],
            "courriel": [f.email() for _ in range(N)],
            "date_de_naissance": [f.date_of_birth().strftime("%d/%m/%Y") for _ in range(N)],
            "code_postal": [f.postcode() for _ in range(N)],
            "sexe": [r.choice(["F", "M"]) for _ in range(N)],
            "maladie": [
                r.choice(["diabète", "asthme", "hypertension", "dépression", "migraine"]) for _ in range(N)
            ],
            "traitement_en_cours": [
                r.choice(["metformine", "salbutamol", "ramipril", "sertraline"]) for _ in range(N)
            ],
            "service": [r.choice(["cardiologie", "pneumologie", "urgences"]) for _ in range(N)],
            "duree_sejour": [r.randint(1, 20) for _ in range(N)],
        }
    )
    exp = {
        "nom_complet": "direct:PERSON",
        "numero_securite_sociale": "direct",
        "courriel": "direct:EMAIL",
        "date_de_naissance": "quasi",
        "code_postal": "quasi",
        "sexe": "quasi",
        "maladie": "special:HEALTH",
        "traitement_en_cours": "special:HEALTH",
        "service": "none",
        "duree_sejour": "none",
    }
    return df, exp


def opaque_headers() -> tuple[pd.DataFrame, dict[str, str]]:
    """Meaningless or misleading headers: the values alone must decide."""
    r = _rng(13)
    f = Faker("en_GB")
    nl = Faker("nl_NL")
    df = pd.DataFrame(
        {
            "c1": [f.email() for _ in range(N)],
            "c2": [f.iban() for _ in range(N)],
            "c3": [nl.ssn() for _ in range(N)],
            "c4": [f.ipv6() for _ in range(N)],
            "c5": [r.choice(["E11.9", "J45.909", "I10", "F32.1", "M54.5", "K21.9"]) for _ in range(N)],
            "c6": [
                r.choice(["atorvastatin", "omeprazole", "amlodipine", "levothyroxine", "lisinopril"])
                for _ in range(N)
            ],
            "c7": [f.postcode() for _ in range(N)],
            "c8": [round(r.uniform(0, 100), 3) for _ in range(N)],
            "c9": [r.choice(["red", "green", "blue", "white", "black"]) for _ in range(N)],
            "c10": [f"INV-{r.randint(1000, 9999)}" for _ in range(N)],
            "notes": [r.choice(["device ok", "replaced fan", "firmware 2.1 installed"]) for _ in range(N)],
            "comment": [
                (
                    f"Customer {f.name()} asked for a call on {f.phone_number()}"
                    if r.random() < 0.2
                    else r.choice(["no issues", "ticket closed by agent", "follow up next week"])
                )
                for _ in range(N)
            ],
            "uk_nhs": [f"{n[:3]} {n[3:6]} {n[6:]}" for n in (_nhs(r) for _ in range(N))],
            "x_mobile": [f"+44 7{r.randint(100, 999)} {r.randint(100000, 999999)}" for _ in range(N)],
            "product_name": [r.choice(["Widget Pro", "Gadget Max", "Thing One"]) for _ in range(N)],
            "quantity": [r.randint(1, 50) for _ in range(N)],
        }
    )
    exp = {
        "c1": "direct:EMAIL",
        "c2": "direct:IBAN",
        "c3": "direct:BSN",
        "c4": "direct:IP",
        "c5": "special:HEALTH",
        "c6": "special:HEALTH",
        "c7": "quasi",
        "c8": "none",
        "c9": "none",
        "c10": "none",
        "notes": "none",
        "comment": "direct",
        "uk_nhs": "direct:NHS",
        "x_mobile": "direct:PHONE",
        "product_name": "none",
        "quantity": "none",
    }
    return df, exp


def _nhs(r: random.Random) -> str:
    while True:
        digits = [r.randint(0, 9) for _ in range(9)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def spanish_italian_mixed() -> tuple[pd.DataFrame, dict[str, str]]:
    r = _rng(14)
    es = Faker("es_ES")
    it = Faker("it_IT")
    df = pd.DataFrame(
        {
            "nombre": [es.first_name() for _ in range(N)],
            "apellidos": [es.last_name() for _ in range(N)],
            "correo_electronico": [es.email() for _ in range(N)],
            "telefono": [es.phone_number() for _ in range(N)],
            "codice_fiscale": [it.ssn() for _ in range(N)],
            "orientacion_sexual": [r.choice(["heterosexual", "homosexual", "bisexual"]) for _ in range(N)],
            "partito_politico": [
                r.choice(["Partito Democratico", "Lega", "Fratelli d'Italia", "Forza Italia"])
                for _ in range(N)
            ],
            "edad": [r.randint(18, 90) for _ in range(N)],
            "importe": [round(r.uniform(1, 500), 2) for _ in range(N)],
            "ciudad": [es.city() for _ in range(N)],
            "activo": [r.choice([True, False]) for _ in range(N)],
        }
    )
    exp = {
        "nombre": "direct:PERSON",
        "apellidos": "direct:PERSON",
        "correo_electronico": "direct:EMAIL",
        "telefono": "direct:PHONE",
        "codice_fiscale": "direct",
        "orientacion_sexual": "special:SEXUAL",
        "partito_politico": "special:POLITICAL",
        "edad": "quasi",
        "importe": "none",
        "ciudad": "quasi",
        "activo": "none",
    }
    return df, exp


def clean_tables() -> tuple[pd.DataFrame, dict[str, str]]:
    """No personal data at all, but plenty of things that look like it at a glance."""
    r = _rng(15)
    f = Faker("en_US")
    df = pd.DataFrame(
        {
            "order_id": [r.randint(10**8, 10**9 - 1) for _ in range(N)],
            "sku": [f"{r.randint(10**11, 10**12 - 1)}" for _ in range(N)],
            "price": [round(r.uniform(1, 999), 2) for _ in range(N)],
            "created_at": [f.date_time_between("-2y", "now").isoformat() for _ in range(N)],
            "warehouse": [r.choice(["AMS-1", "FRA-2", "LHR-3"]) for _ in range(N)],
            "tracking_code": [f"1Z{r.randint(10**15, 10**16 - 1)}" for _ in range(N)],
            "ratio": [r.random() for _ in range(N)],
            "status": [r.choice(["shipped", "pending", "cancelled"]) for _ in range(N)],
            "version": [f"{r.randint(1, 5)}.{r.randint(0, 20)}.{r.randint(0, 9)}" for _ in range(N)],
            "hash": [f.sha1() for _ in range(N)],
            "batch_date": [f.date_between("-60y", "today").isoformat() for _ in range(N)],
            "machine_code": [f"S{r.randint(1, 80):03d}" for _ in range(N)],
            "weight_kg": [round(r.uniform(0.1, 30), 2) for _ in range(N)],
            "color": [r.choice(["white", "black", "red"]) for _ in range(N)],
            "size": [r.choice(["S", "M", "L", "XL"]) for _ in range(N)],
            "uuid": [f.uuid4() for _ in range(N)],
            "amount_cents": [r.randint(100, 10**7) for _ in range(N)],
        }
    )
    return df, {c: "none" for c in df.columns}


ALL = [german_hr, french_clinic, opaque_headers, spanish_italian_mixed, clean_tables]


def abbreviated_headers() -> tuple[pd.DataFrame, dict[str, str]]:
    """Terse warehouse-style headers: fname, addr1, zip5, dob, ph."""
    r = _rng(16)
    en, gb = Faker("en_US"), Faker("en_GB")
    df = pd.DataFrame(
        {
            "fname": [en.first_name() for _ in range(N)],
            "lname": [en.last_name() for _ in range(N)],
            "e_mail": [en.email() for _ in range(N)],
            "mob": [gb.phone_number() for _ in range(N)],
            "addr1": [en.street_address() for _ in range(N)],
            "zip5": [en.zipcode() for _ in range(N)],
            "dob": [en.date_of_birth().strftime("%m/%d/%Y") for _ in range(N)],
            "cust_nm": [en.name() for _ in range(N)],
            "acct_bal": [r.uniform(0, 1e4) for _ in range(N)],
        }
    )
    exp = {
        "fname": "direct:PERSON",
        "lname": "direct:PERSON",
        "e_mail": "direct:EMAIL",
        "mob": "direct:PHONE",
        "addr1": "direct",
        "zip5": "quasi",
        "dob": "quasi",
        "cust_nm": "direct:PERSON",
        "acct_bal": "none",
    }
    return df, exp


def nordic_iberian_polish() -> tuple[pd.DataFrame, dict[str, str]]:
    r = _rng(17)
    pt, sv, pl = Faker("pt_BR"), Faker("sv_SE"), Faker("pl_PL")
    df = pd.DataFrame(
        {
            "nome": [pt.name() for _ in range(N)],
            "cpf": [pt.cpf() for _ in range(N)],
            "telefone": [pt.phone_number() for _ in range(N)],
            "endereco": [pt.street_address() for _ in range(N)],
            "cidade": [pt.city() for _ in range(N)],
            "namn": [sv.name() for _ in range(N)],
            "personnummer": [sv.ssn() for _ in range(N)],
            "imie_nazwisko": [pl.name() for _ in range(N)],
            "pesel": [pl.pesel() for _ in range(N)],
            "valor": [r.uniform(0, 100) for _ in range(N)],
        }
    )
    exp = {
        "nome": "direct",
        "cpf": "direct",
        "telefone": "direct",
        "endereco": "direct",
        "cidade": "quasi",
        "namn": "direct",
        "personnummer": "direct",
        "imie_nazwisko": "direct",
        "pesel": "direct",
        "valor": "none",
    }
    return df, exp


def misleading_headers() -> tuple[pd.DataFrame, dict[str, str]]:
    """Headers that say nothing or the wrong thing; values decide."""
    r = _rng(18)
    en, de, nl, gb = Faker("en_US"), Faker("de_DE"), Faker("nl_NL"), Faker("en_GB")
    df = pd.DataFrame(
        {
            "id": [en.email() for _ in range(N)],
            "value": [de.iban() for _ in range(N)],
            "code": [nl.postcode() for _ in range(N)],
            "field_7": [gb.phone_number() for _ in range(N)],
            "x": [en.credit_card_number() for _ in range(N)],
            "col_a": [en.ipv4() for _ in range(N)],
            "data": [
                r.choice(["hypertension", "asthma", "type 2 diabetes", "COPD", "depression"])
                for _ in range(N)
            ],
            "attr": [r.choice(["catholic", "muslim", "protestant", "jewish", "atheist"]) for _ in range(N)],
            "label": [r.choice(["gold", "silver", "bronze"]) for _ in range(N)],
        }
    )
    exp = {
        "id": "direct:EMAIL",
        "value": "direct:IBAN",
        "code": "quasi",
        "field_7": "direct:PHONE",
        "x": "direct:CREDIT",
        "col_a": "direct:IP",
        "data": "special:HEALTH",
        "attr": "special:RELIGION",
        "label": "none",
    }
    return df, exp


def clean_lookalikes() -> tuple[pd.DataFrame, dict[str, str]]:
    """Station data: coordinates, URLs, hashes, EANs, ISBNs, phone models, company names; no people."""
    r = _rng(19)
    en = Faker("en_US")
    df = pd.DataFrame(
        {
            "station_id": [f"ST{r.randint(1, 200):04d}" for _ in range(N)],
            "lat": [r.uniform(50, 53) for _ in range(N)],
            "lon": [r.uniform(3, 7) for _ in range(N)],
            "country": [r.choice(["NL", "DE", "BE"]) for _ in range(N)],
            "url": [en.url() for _ in range(N)],
            "sha": [en.sha256() for _ in range(N)],
            "created": [en.iso8601() for _ in range(N)],
            "invoice_no": [f"{r.randint(10**9, 10**10 - 1)}" for _ in range(N)],
            "company": [en.company() for _ in range(N)],
            "ean": [en.ean13() for _ in range(N)],
            "phone_model": [r.choice(["Pixel 8", "iPhone 15", "Galaxy S24"]) for _ in range(N)],
            "year": [r.randint(1950, 2024) for _ in range(N)],
            "port": [r.randint(1000, 65000) for _ in range(N)],
            "isbn": [en.isbn13() for _ in range(N)],
        }
    )
    return df, {c: "none" for c in df.columns}


ALL += [abbreviated_headers, nordic_iberian_polish, misleading_headers, clean_lookalikes]


def messy_export() -> tuple[pd.DataFrame, dict[str, str]]:
    """A spreadsheet export: punctuation in headers, upper-case values, gaps, notes in Dutch and French."""
    r = _rng(20)
    en, fr = Faker("en_US"), Faker("fr_FR")
    df = pd.DataFrame(
        {
            "E-Mail Address": [None if r.random() < 0.3 else en.email().upper() for _ in range(N)],
            "Phone #": [int("316" + str(r.randint(10**7, 10**8 - 1))) for _ in range(N)],
            "D.O.B.": [en.date_of_birth().strftime("%d/%m/%Y") for _ in range(N)],
            "Patient Name": [en.name().upper() for _ in range(N)],
            "Notities": [
                f"Klant belde vanaf 06-{r.randint(10**7, 10**8 - 1)} over de bestelling"
                if r.random() < 0.2
                else r.choice(["geen bijzonderheden", "pakket bezorgd", "retour aangevraagd"])
                for _ in range(N)
            ],
            "Commentaire": [
                f"Le client a écrit depuis {fr.email()}"
                if r.random() < 0.1
                else r.choice(["RAS", "colis livré"])
                for _ in range(N)
            ],
            "Smoker": [r.choice([True, False]) for _ in range(N)],
            "Order Total (EUR)": [round(r.uniform(5, 500), 2) for _ in range(N)],
            "Created At": pd.to_datetime([en.date_time_between("-1y", "now") for _ in range(N)]),
            "all_null": [None] * N,
        }
    )
    exp = {
        "E-Mail Address": "direct:EMAIL",
        "Phone #": "direct:PHONE",
        "D.O.B.": "quasi",
        "Patient Name": "direct:PERSON",
        "Notities": "direct:PHONE",
        "Commentaire": "direct:EMAIL",
        "Smoker": "special:HEALTH",
        "Order Total (EUR)": "none",
        "Created At": "none",
        "all_null": "none",
    }
    return df, exp


ALL.append(messy_export)
