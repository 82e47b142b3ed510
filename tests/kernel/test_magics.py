"""``%privacy_scan`` in an in-process IPython shell; the scanner itself is replaced by a recorder."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

import jupyter_privacy


class FakeResult:
    columns: list[Any] = []  # noqa: RUF012  (no column named by a person: nothing to tokenise)

    def to_dict(self) -> dict[str, Any]:
        return {"source": "customers", "columns": [{"name": "email", "category": "direct"}]}

    def to_table(self) -> str:
        return "email  direct"


@pytest.fixture
def shell() -> Iterator[InteractiveShell]:
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "jupyter_privacy")
    yield ip
    ip.run_line_magic("unload_ext", "jupyter_privacy")


def test_privacy_scan_displays_table_and_json(
    shell: InteractiveShell, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[pd.DataFrame, str | None]] = []

    def fake_scan(df: pd.DataFrame, policy: object = None, *, source: str | None = None) -> FakeResult:
        calls.append((df, source))
        return FakeResult()

    shown: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(jupyter_privacy, "scan", fake_scan)
    monkeypatch.setattr("jupyter_privacy.kernel.magics.display", lambda obj, **kw: shown.append((obj, kw)))
    customers = pd.DataFrame({"email": ["a@example.org"]})
    shell.user_ns["customers"] = customers

    shell.run_line_magic("privacy_scan", "customers")

    assert calls == [(customers, "customers")]
    assert shown == [
        (
            {"text/plain": "email  direct", "application/json": FakeResult().to_dict()},
            {"raw": True},
        )
    ]


def test_privacy_scan_rejects_what_is_not_a_dataframe(shell: InteractiveShell) -> None:
    shell.user_ns["n"] = 3
    with pytest.raises(UsageError, match="'n' is a int, not a pandas DataFrame"):
        shell.run_line_magic("privacy_scan", "n")
    with pytest.raises(UsageError, match="name the DataFrame to scan"):
        shell.run_line_magic("privacy_scan", "")


def test_unload_removes_the_magic(shell: InteractiveShell) -> None:
    shell.run_line_magic("unload_ext", "jupyter_privacy")
    assert "privacy_scan" not in shell.magics_manager.magics["line"]
    shell.run_line_magic("load_ext", "jupyter_privacy")
    assert "privacy_scan" in shell.magics_manager.magics["line"]
