"""`policy check|show` in-process (runs even before every CLI subcommand exists)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import jupyter_core.paths
import pytest

from jupyter_privacy.cli import policy_cmd

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "privacy_policy.yaml"


def cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="jupyter-privacy")
    policy_cmd.add_parser(parser.add_subparsers())
    args = parser.parse_args(["policy", *argv])
    code: int = args.func(args)
    return code


def test_check_ok_and_invalid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("check", str(EXAMPLE)) == 0
    assert capsys.readouterr().out.startswith(f"OK: {EXAMPLE} (sha256 ")
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\ncontroller: {name: x, contact: y}\npurposes: [{id: A}]\n")
    assert cli("check", str(bad)) == 1
    out = capsys.readouterr().out
    assert f"{bad}: purposes[0].id: 'A' has the wrong form" in out
    assert f"{bad}: purposes[0].lawful_bases: required field `lawful_bases` is missing" in out
    assert cli("check", str(tmp_path / "nope.yaml")) == 2


def test_show_default_is_loud(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(jupyter_core.paths, "SYSTEM_CONFIG_PATH", [str(tmp_path)])
    monkeypatch.setattr(jupyter_core.paths, "ENV_CONFIG_PATH", [])
    monkeypatch.setattr(jupyter_core.paths, "jupyter_config_dir", lambda: str(tmp_path / "user"))
    monkeypatch.delenv("JUPYTER_PRIVACY_POLICY", raising=False)
    assert cli("show") == 0
    assert "BUILT-IN DEFAULT" in capsys.readouterr().out
    assert cli("show", "--format", "json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["is_default"] is True
    assert data["source"] == "built-in default"
    assert data["warning"]


def test_show_key_file_path_but_no_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "privacy.key"
    key.write_text("k3y-m4terial-never-shown")
    policy = tmp_path / "p.yaml"
    policy.write_text(
        f"version: 1\ncontroller: {{name: x, contact: y}}\nkey: {{source: file, file: '{key}'}}\n"
    )
    monkeypatch.setenv("JUPYTER_PRIVACY_POLICY", str(policy))
    assert cli("show", "--format", "json") == 0
    out = capsys.readouterr().out
    assert "k3y-m4terial" not in out
    assert json.loads(out)["key"] == {
        "source": "file",
        "env_var": "JUPYTER_PRIVACY_KEY",
        "file": str(key),
        "available": True,
    }
