"""Art. 9 terms inside running text (detect/art9_text.py): spans of the original text, per concept."""

from __future__ import annotations

import pytest

from jupyter_privacy.detect.art9_text import TEXT_CONCEPTS, TermRecognizer


def found(concept: str, text: str) -> list[str]:
    return [text[s.start : s.end] for s in TermRecognizer(concept).analyze(text, [concept])]


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("Follow-up for type 2 diabetes; metformin increased.", {"type 2 diabetes", "metformin"}),
        ("Suivi du diabète de type 2, metformine augmentée.", {"diabète", "metformine"}),  # accents kept
        ("Kontrolle Diabetes Typ 2, Metformin erhöht.", {"Diabetes", "Metformin"}),
        ("Klachten van depressie, in behandeling.", {"depressie"}),
        ("El paciente refiere asma nocturna.", {"asma"}),
        ("Il paziente riferisce asma notturna.", {"asma"}),
    ],
)
def test_health_terms_are_spans_of_the_original_text(text: str, terms: set[str]) -> None:
    assert terms <= set(found("HEALTH", text))


def test_other_art9_concepts_in_text() -> None:
    assert found("RELIGION", "Vegetarian meals; she is a practising Muslim.") == ["Muslim"]
    assert found("SEXUAL_ORIENTATION", "Lives with his husband, openly gay.") == ["gay"]


@pytest.mark.parametrize(
    "text",
    ["Called back about the appointment time.", "Black Friday sale on the white shirts.", "Moved to April."],
)
def test_ordinary_notes_hold_no_terms(text: str) -> None:
    for concept in TEXT_CONCEPTS:
        assert found(concept, text) == []


def test_party_and_union_names_are_not_searched_in_prose() -> None:
    assert "POLITICAL_OPINION" not in TEXT_CONCEPTS and "TRADE_UNION" not in TEXT_CONCEPTS
