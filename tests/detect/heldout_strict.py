"""Held-out tables for issue 10, written before the rules they test, scored strictly.

Expected labels: "direct:FAMILY" must be direct with an entity containing FAMILY; "special:CONCEPT" must be
special with that concept; "quasi" must be exactly quasi; "none" must be none. Generated with Faker.
"""

from __future__ import annotations

import random

import pandas as pd
from faker import Faker

N = 400


def _rng(seed: int) -> random.Random:
    Faker.seed(seed)
    return random.Random(seed)


def southern_shop_orders() -> tuple[pd.DataFrame, dict[str, str]]:
    """Orders of a shop chain with Spanish, Italian and Portuguese headers: people's and things' names."""
    r = _rng(101)
    es, it, pt = Faker("es_ES"), Faker("it_IT"), Faker("pt_PT")
    products = ["Cafetera Express", "Tostadora Doble", "Aspirapolvere Turbo", "Frigorifero Combi",
                "Máquina de Lavar", "Ferro de Engomar", "Batidora Pro", "Lavastoviglie Eco"]  # fmt: skip
    df = pd.DataFrame(
        {
            "nombre_cliente": [es.name() for _ in range(N)],
            "correo_cliente": [es.email() for _ in range(N)],
            "nombre_producto": r.choices(products, k=N),
            "nome_prodotto": r.choices(products, k=N),
            "nombre_empresa": [es.company() for _ in range(N)],
            "nome_azienda": [it.company() for _ in range(N)],
            "nome_negozio": r.choices(["Milano Centro", "Roma Termini", "Torino Porta Nuova"], k=N),
            "nombre_tienda": r.choices(["Madrid Sol", "Sevilla Triana", "Valencia Ruzafa"], k=N),
            "nome_loja": r.choices(["Lisboa Chiado", "Porto Ribeira", "Braga Centro"], k=N),
            "nome_produto": r.choices(products, k=N),
            "marca": r.choices(["Bosch", "Philips", "Braun", "Smeg"], k=N),
            "nome_cliente": [pt.name() for _ in range(N)],
            "importe": [round(r.uniform(5, 900), 2) for _ in range(N)],
        }
    )
    exp = {
        "nombre_cliente": "direct:PERSON",
        "correo_cliente": "direct:EMAIL",
        "nombre_producto": "none",
        "nome_prodotto": "none",
        "nombre_empresa": "none",
        "nome_azienda": "none",
        "nome_negozio": "none",
        "nombre_tienda": "none",
        "nome_loja": "none",
        "nome_produto": "none",
        "marca": "none",
        "nome_cliente": "direct:PERSON",
        "importe": "none",
    }
    return df, exp


def northern_customers() -> tuple[pd.DataFrame, dict[str, str]]:
    """Customer names in German, Dutch, Polish and Swedish compounds, next to company and shop names."""
    r = _rng(102)
    de, nl, pl, sv = Faker("de_DE"), Faker("nl_NL"), Faker("pl_PL"), Faker("sv_SE")
    df = pd.DataFrame(
        {
            "Kundenname": [de.name() for _ in range(N)],
            "klantnaam": [nl.name() for _ in range(N)],
            "nazwisko_klienta": [pl.last_name() for _ in range(N)],
            "kundnamn": [sv.name() for _ in range(N)],
            "Firmenname": [de.company() for _ in range(N)],
            "bedrijfsnaam": [nl.company() for _ in range(N)],
            "winkelnaam": r.choices(["Utrecht Centrum", "Amsterdam Zuid", "Rotterdam Noord"], k=N),
            "nazwa_produktu": r.choices(["Czajnik", "Toster", "Mikser", "Odkurzacz"], k=N),
            "produktnamn": r.choices(["Vattenkokare", "Brödrost", "Mixer", "Dammsugare"], k=N),
            "Betrag": [round(r.uniform(5, 900), 2) for _ in range(N)],
        }
    )
    exp = {
        "Kundenname": "direct:PERSON",
        "klantnaam": "direct:PERSON",
        "nazwisko_klienta": "direct:PERSON",
        "kundnamn": "direct:PERSON",
        "Firmenname": "none",
        "bedrijfsnaam": "none",
        "winkelnaam": "none",
        "nazwa_produktu": "none",
        "produktnamn": "none",
        "Betrag": "none",
    }
    return df, exp


_NOTES = {
    "en": ["Patient reports asthma attacks at night, started on salbutamol.",
           "Follow-up for type 2 diabetes; metformin dose increased.",
           "Complains of depression since the divorce, referred to a psychologist."],
    "nl": ["Patiënt meldt astma-aanvallen 's nachts, gestart met salbutamol.",
           "Controle diabetes type 2, metformine verhoogd.",
           "Klachten van depressie, in behandeling bij de praktijkondersteuner."],
    "de": ["Patient berichtet über Asthma in der Nacht, Salbutamol verordnet.",
           "Kontrolle Diabetes Typ 2, Metformin erhöht.",
           "Seit Monaten Depression, Überweisung zur Psychotherapie."],
    "fr": ["Le patient signale de l'asthme la nuit, salbutamol prescrit.",
           "Suivi du diabète de type 2, metformine augmentée.",
           "Se plaint de dépression depuis le divorce, orienté vers un psychologue."],
    "es": ["El paciente refiere asma nocturna, se inicia salbutamol.",
           "Control de diabetes tipo 2, se aumenta la metformina.",
           "Refiere depresión desde el divorcio, derivado a psicología."],
    "it": ["Il paziente riferisce asma notturna, iniziato salbutamolo.",
           "Controllo del diabete di tipo 2, aumentata la metformina.",
           "Lamenta depressione dal divorzio, inviato dallo psicologo."],
}  # fmt: skip
_PLAIN = ["Called back about the appointment time.", "Letter sent with the new opening hours.",
          "Asked for a copy of the invoice.", "Parking permit renewed at the desk.",
          "Moved the visit to next Tuesday morning."]  # fmt: skip


def clinic_notes_six_languages() -> tuple[pd.DataFrame, dict[str, str]]:
    """Free-text notes of a clinic in six languages: a fifth of them mention a condition or a medicine."""
    r = _rng(103)
    df = pd.DataFrame({"patient_id": range(1, N + 1), "leeftijd": [r.randint(18, 90) for _ in range(N)]})
    for lang, health in _NOTES.items():
        df[f"notes_{lang}"] = [r.choice(health) if r.random() < 0.2 else r.choice(_PLAIN) for _ in range(N)]
    df["frontdesk_notes"] = [r.choice(_PLAIN) for _ in range(N)]
    df["medische_notitie"] = r.choices(["diabetes type 2", "astma", "depressie, in behandeling", "burn-out"], k=N)
    df["col_17"] = r.choices(["asthma", "type 2 diabetes", "hypertension", "migraine", "eczema"], k=N)
    exp = {f"notes_{lang}": "special:HEALTH" for lang in _NOTES}
    exp |= {"frontdesk_notes": "none", "medische_notitie": "special:HEALTH", "col_17": "special:HEALTH"}
    return df, exp


ALL = [southern_shop_orders, northern_customers, clinic_notes_six_languages]
