"""A recogniser that raises must not make a column "not personal data": the column is flagged
(``rule: fail-closed``) with a reason that names the recogniser and the error type, never the value."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
import pytest
from presidio_analyzer import Pattern, PatternRecognizer

from jupyter_privacy.detect.classifier import Thresholds, classify
from jupyter_privacy.detect.headers import match_header
from jupyter_privacy.detect.ner import NerModel
from jupyter_privacy.detect.profile import profile_column
from jupyter_privacy.detect.recognizers import ValueRecognizer, builtin_recognizers, text_recognizers

SECRET = "LID-"


class StrictLidRecognizer(PatternRecognizer):
    """A member-number recogniser whose validation breaks on an unforeseen format, as custom ones do."""

    def validate_result(self, pattern_text: str) -> bool:
        return int(pattern_text.removeprefix(SECRET)) % 7 == 0  # ValueError on 'LID-12a4'


def lid() -> PatternRecognizer:
    return StrictLidRecognizer(
        supported_entity="MEMBER_ID",
        patterns=[Pattern("member", r"LID-\w{4}", 0.5)],
        supported_language="en",
    )


def recognizer() -> ValueRecognizer:
    return ValueRecognizer("MEMBER_ID", lid, prefilter=None, header_concepts=frozenset({"MEMBER_ID"}))


def run(values: list[str], name: str = "lidnummer", *, in_text: bool = False) -> Any:
    prof = profile_column(name, pd.Series(values, dtype=object), 300)
    rec = recognizer()
    recs = (rec, *builtin_recognizers())
    texts = text_recognizers(recs) if in_text else text_recognizers(builtin_recognizers())
    return classify(prof, match_header(name), recs, (rec, *texts), Thresholds(), NerModel("none"))


def test_a_recogniser_that_raises_flags_the_column(caplog: pytest.LogCaptureFixture) -> None:
    values = ["LID-12a4"] + [f"LID-{i * 7:04d}" for i in range(50)]
    with caplog.at_level(logging.WARNING):
        found = run(values)
    assert (found.category, found.entities, found.rule) == ("direct", ["MEMBER_ID"], "fail-closed")
    assert any("MEMBER_ID recogniser failed" in r and "ValueError" in r for r in found.reasons)
    assert "LID-12a4" not in " ".join(found.reasons) + caplog.text


def test_a_recogniser_that_raises_inside_free_text_flags_the_column() -> None:
    notes = [f"member LID-{i * 7:04d} called about the invoice for the second time" for i in range(30)]
    found = run(["member LID-12a4 called again about the same invoice", *notes], "notes", in_text=True)
    assert found.rule == "fail-closed" and found.flagged


def test_the_same_recogniser_on_clean_values_decides_normally() -> None:
    """The control: without the value that breaks it, nothing fails and the rule is the recogniser's."""
    found = run([f"LID-{i * 7:04d}" for i in range(50)])
    assert (found.rule, found.entities) == ("recognizer", ["MEMBER_ID"])
