"""Held-out tables (languages, headers and layouts the rules were not tuned on) must classify right."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest
from heldout import ALL  # tests/detect is on sys.path (rootdir-relative, no __init__.py)

from jupyter_privacy import scan
from jupyter_privacy.policy import default_policy

Builder = Callable[[], tuple[pd.DataFrame, dict[str, str]]]


def _accepts(expected: str, category: str, entities: list[str]) -> bool:
    want, _, entity = expected.partition(":")
    ok_categories = {"quasi", "direct", "special"} if want == "quasi" else {want}
    if category not in ok_categories:
        return False
    return not entity or any(entity in e for e in entities)


@pytest.mark.parametrize("builder", ALL, ids=[b.__name__ for b in ALL])
def test_heldout_table(builder: Builder) -> None:
    df, expected = builder()
    result = scan(df, default_policy(), source=builder.__name__)
    assert [c.name for c in result.columns] == [str(c) for c in df.columns]
    wrong = {
        column: (want, result[column].category, result[column].entities)
        for column, want in expected.items()
        if not _accepts(want, result[column].category, result[column].entities)
    }
    assert wrong == {}


def test_accepts_rule() -> None:
    assert _accepts("quasi", "direct", ["DATE_OF_BIRTH"])
    assert _accepts("direct:EMAIL", "direct", ["EMAIL_ADDRESS"])
    assert not _accepts("direct:EMAIL", "direct", ["PHONE_NUMBER"])
    assert not _accepts("none", "quasi", ["GENDER"])
    assert not _accepts("special:HEALTH", "quasi", ["HEALTH"])
