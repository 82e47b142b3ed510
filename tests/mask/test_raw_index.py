"""Keyed fingerprints of raw values find them in text whatever the formatting, and find nothing else."""

from __future__ import annotations

from jupyter_privacy.mask.keys import MaskingKey
from jupyter_privacy.mask.raw_index import Fingerprinter, RawValueIndex, indexes_in
from jupyter_privacy.records.clean_outputs import output_text

KEY = MaskingKey("5f" * 32, "test")
VALUES = ["Ann.Lee@Example.org", "(201) 555-0143", "Anna de Vries", None, float("nan"), "F"]


def test_values_are_found_in_any_formatting() -> None:
    index = RawValueIndex.build(VALUES, KEY)
    fp = Fingerprinter(KEY)
    assert len(index) == 4  # nulls and the one-letter value are not indexed; the phone also as digits
    for text in [
        "['ann.lee@example.org', 'x']",
        "<td>Ann.Lee&#64;Example.org</td>",
        "call 201-555-0143 now",
        "0    2015550143\nName: phone, dtype: object",  # printed with the separators removed
        "ValueError: ANNA  DE\nVRIES",
    ]:
        assert indexes_in(html_unescaped(text), {"g-1": index}, fp) == {"g-1"}, text


def test_other_text_and_other_keys_find_nothing() -> None:
    index = RawValueIndex.build(VALUES, KEY)
    assert (
        indexes_in("ann lee example com; 201 555 0144; Anna de Vriesland", {"g": index}, Fingerprinter(KEY))
        == set()
    )
    other = Fingerprinter(MaskingKey("6e" * 32, "other"))
    assert indexes_in("Ann.Lee@Example.org", {"g": index}, other) == set()


def test_the_index_holds_no_raw_value() -> None:
    index = RawValueIndex.build(VALUES, KEY)
    blob = index.digests.tobytes()
    assert b"Ann" not in blob and b"555" not in blob


def html_unescaped(text: str) -> str:
    return output_text({"output_type": "stream", "text": text})
