"""Fixtures for policy tests: an isolated set of Jupyter config dirs and a clean environment."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import jupyter_core.paths
import pytest


@pytest.fixture
def config_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Point jupyter_core's system/env/user config dirs at empty temp dirs; clear policy env vars."""
    dirs = {name: tmp_path / name for name in ("system", "env", "user")}
    for d in dirs.values():
        d.mkdir()
    monkeypatch.setattr(jupyter_core.paths, "SYSTEM_CONFIG_PATH", [str(dirs["system"])])
    monkeypatch.setattr(jupyter_core.paths, "ENV_CONFIG_PATH", [str(dirs["env"])])
    monkeypatch.setattr(jupyter_core.paths, "jupyter_config_dir", lambda: str(dirs["user"]))
    monkeypatch.delenv("JUPYTER_PRIVACY_POLICY", raising=False)
    monkeypatch.delenv("JUPYTER_PRIVACY_ALLOW_USER_POLICY", raising=False)
    return dirs


@pytest.fixture
def write_policy(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(text: str, name: str = "privacy_policy.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
