"""Keyed fingerprints of raw values find them in text whatever the formatting, and find nothing else."""

from __future__ import annotations

import pandas as pd

from jupyter_privacy.mask.keys import MaskingKey
from jupyter_privacy.mask.raw_index import Fingerprinter, RawValueIndex, indexes_in, value_fingerprints
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


def test_long_values_are_found_as_displays_cut_them() -> None:
    """Spark's show() cuts a cell to 17 characters and '...', pandas' repr to 47 (max_colwidth 50)."""
    name = "Annabelle Richardson-Smith"
    note = "Annabelle Richardson-Smith, Keizersgracht 123, 1015 CJ Amsterdam, since 2019"
    index = RawValueIndex.build([name, note], KEY)
    fp = Fingerprinter(KEY)
    spark_show = f"+--------------------+\n|name                |\n+--------------------+\n|{name[:17]}...|\n"
    assert indexes_in(spark_show, {"g": index}, fp) == {"g"}
    shown = repr(pd.DataFrame({"note": [note]}))
    assert note not in shown and indexes_in(shown, {"g": index}, fp) == {"g"}
    assert indexes_in("Annabelle Richardso", {"g": index}, fp) == set()  # not a display's cut


def test_a_float_is_found_as_pandas_rounds_it() -> None:
    """pandas shows 6 decimals: a home's coordinates 52.3702157, 4.8951679 as 52.370216, 4.895168."""
    index = RawValueIndex.build([52.3702157, 4.8951679, 1234.5], KEY)
    shown = repr(pd.DataFrame({"lat": [52.3702157], "lon": [4.8951679]}))
    assert "52.3702157" not in shown and indexes_in(shown, {"g": index}, Fingerprinter(KEY)) == {"g"}
    assert indexes_in("52.370215", {"g": index}, Fingerprinter(KEY)) == set()


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


def test_many_values_are_checked_at_once_as_one_by_one() -> None:
    """``value_fingerprints`` + ``contains_any`` (a Spark frame made from data) agree with ``contains_value``."""
    index = RawValueIndex.build(["Ann.Smith@example.org", "Jane Doe", 52.3702157], KEY)
    fp = Fingerprinter(KEY)
    for value in ["ann.smith@example.org", "JANE DOE", 52.3702157, "someone else", "", 7, "jane"]:
        assert index.contains_any(value_fingerprints([value], fp)) == index.contains_value(value, fp), value
    assert index.contains_any(value_fingerprints(["x", None, "jane doe"], fp))
    assert not index.contains_any(value_fingerprints([], fp))
