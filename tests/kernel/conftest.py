"""Shared set-up for the kernel tests: a copy of the example policy whose log lives in the test's tmp dir."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TEST_KEY = "5f" * 32  # 64 hex characters, like `jupyter-privacy key generate` prints


def write_policy(directory: Path, **changes: Any) -> tuple[Path, Path]:
    """Copy ``examples/privacy_policy.yaml`` into ``directory`` with ``log.path`` pointing there too.

    ``changes`` replace top-level sections (e.g. ``interception={"enabled": False}``).
    Returns ``(policy_path, ledger_path)``.
    """
    policy = yaml.safe_load((EXAMPLES / "privacy_policy.yaml").read_text("utf-8"))
    ledger = directory / "ledger.sqlite3"
    policy["log"]["path"] = str(ledger)
    for section, value in changes.items():
        if isinstance(value, dict) and isinstance(policy.get(section), dict):
            policy[section].update(value)
        else:
            policy[section] = value
    path = directory / "privacy_policy.yaml"
    path.write_text(yaml.safe_dump(policy, sort_keys=False), "utf-8")
    return path, ledger


@pytest.fixture(scope="session")
def policy_writer() -> Callable[..., tuple[Path, Path]]:
    """:func:`write_policy`, for tests and module-scoped fixtures."""
    return write_policy


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return EXAMPLES


@pytest.fixture(scope="session")
def test_key() -> str:
    return TEST_KEY
