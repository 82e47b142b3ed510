"""Issue 10's held-out tables (written before the rules), scored strictly: the family must match, quasi
must be quasi, none must be none."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest
from heldout_strict import ALL  # tests/detect is on sys.path (rootdir-relative, no __init__.py)

from jupyter_privacy import scan
from jupyter_privacy.detect.findings import ColumnFinding
from jupyter_privacy.policy import default_policy

Builder = Callable[[], tuple[pd.DataFrame, dict[str, str]]]


def accepts(expected: str, f: ColumnFinding) -> bool:
    want, _, family = expected.partition(":")
    if f.category != want:
        return False
    return not family or any(family in e for e in f.entities)


@pytest.mark.parametrize("builder", ALL, ids=[b.__name__ for b in ALL])
def test_heldout_table_strictly(builder: Builder) -> None:
    df, expected = builder()
    result = scan(df, default_policy(), source=builder.__name__)
    wrong = {
        column: (want, result[column].category, result[column].entities, result[column].rule)
        for column, want in expected.items()
        if not accepts(want, result[column])
    }
    assert wrong == {}
