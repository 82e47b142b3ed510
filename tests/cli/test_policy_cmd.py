"""`jupyter-privacy policy check|show`, run as the real console command in a subprocess."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "privacy_policy.yaml"
MINIMAL = "version: 1\ncontroller: {name: Example B.V., contact: privacy@example.org}\n"

# The dispatcher imports every subcommand; until all of them exist the command cannot start at all.
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("jupyter_privacy.cli.scan_cmd") is None,
    reason="jupyter_privacy.cli.scan_cmd not present yet (the CLI dispatcher imports it)",
)


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jupyter_privacy", "policy", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def assert_no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stdout + proc.stderr


def isolated_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """An environment whose Jupyter config dirs (user, env prefix via JUPYTER_CONFIG_PATH) are empty.

    The system dirs cannot be redirected from outside the process; the tests below only rely on the
    env var route or on the machine having no system policy installed.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER_PRIVACY_")}
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "user-config")
    env.update(extra)
    return env


def test_check_example_ok() -> None:
    proc = run("check", str(EXAMPLE))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    digest = hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
    assert proc.stdout.strip() == f"OK: {EXAMPLE} (sha256 {digest}, 3 purposes, enforcement enforce)"


def test_check_example_json() -> None:
    proc = run("check", str(EXAMPLE), "--format", "json")
    assert proc.returncode == 0
    data = json.loads(proc.stdout)
    assert data["valid"] is True
    assert data["sha256"] == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
    assert data["purposes"] == ["churn-model", "marketing-consent", "clinical-research"]


BAD = {
    "empty": ("", "", "empty"),
    "invalid yaml": ("version: 1\ncontroller: [x\n", "", "line 3"),
    "unknown top-level key": (MINIMAL + "enforcment: enforce\n", "enforcment", "unknown field"),
    "purpose field typo": (
        MINIMAL + "purposes:\n  - {id: a, description: d, lawful_bases: [consent], retention: P1Y,"
        " unmsk: {}}\n",
        "purposes[0].unmsk",
        "unknown field",
    ),
    "bad lawful basis": (
        MINIMAL + "purposes:\n  - {id: a, description: d, lawful_bases: [consent, vibes], retention: P1Y}\n",
        "purposes[0].lawful_bases[1]",
        "not an allowed value",
    ),
    "bad reference regex": (
        MINIMAL + "purposes:\n  - {id: a, description: d, lawful_bases: [consent], retention: P1Y,"
        " reference: {pattern: '(('}}\n",
        "purposes[0].reference.pattern",
        "invalid regular expression",
    ),
    "bad recogniser regex": (
        MINIMAL + "detection:\n  custom_recognizers:\n    - {name: r, entity: EMP_ID, "
        "patterns: [{name: p, regex: 'EMP-(\\d{6}', score: 0.5}]}\n",
        "detection.custom_recognizers[0].patterns[0].regex",
        "invalid regular expression",
    ),
    "duplicate purpose ids": (
        MINIMAL + "purposes:\n  - {id: a, description: d, lawful_bases: [consent], retention: P1Y}\n"
        "  - {id: a, description: e, lawful_bases: [contract], retention: P1Y}\n",
        "purposes[1].id",
        "used twice",
    ),
    "special without special_categories": (
        MINIMAL + "purposes:\n  - {id: a, description: d, lawful_bases: [consent], retention: P1Y,"
        " unmask: {categories: [special]}}\n",
        "purposes[0].special_categories",
        "special_categories",
    ),
    "key file source without file": (MINIMAL + "key: {source: file}\n", "key.file", "no `file`"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_check_bad_file_exit_1_with_path_and_hint(case: str, tmp_path: Path) -> None:
    text, field, message = BAD[case]
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    proc = run("check", str(path))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert_no_traceback(proc)
    prefix = f"{path}: {field}: " if field else f"{path}: "
    lines = proc.stdout.splitlines()
    hits = [i for i, line in enumerate(lines) if line.startswith(prefix) and message in line]
    assert hits, proc.stdout
    assert lines[hits[0] + 1].startswith("    hint: ")


def test_check_binary_garbage(tmp_path: Path) -> None:
    path = tmp_path / "garbage.yaml"
    path.write_bytes(os.urandom(64) + b"\xff\xfe\x00")
    proc = run("check", str(path))
    assert proc.returncode == 1
    assert_no_traceback(proc)
    assert "hint:" in proc.stdout


def test_check_bad_file_json(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(MINIMAL + "enforcement: strict\n", encoding="utf-8")
    proc = run("check", str(path), "--format", "json")
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["valid"] is False and data["readable"] is True
    assert data["problems"][0]["path"] == "enforcement"
    assert "enforce, warn" in data["problems"][0]["hint"]


def test_check_unreadable_exit_2(tmp_path: Path) -> None:
    proc = run("check", str(tmp_path / "missing.yaml"))
    assert proc.returncode == 2
    assert_no_traceback(proc)
    assert "file not found" in proc.stdout


def test_show_env_var_policy_never_prints_key(tmp_path: Path) -> None:
    env = isolated_env(
        tmp_path, JUPYTER_PRIVACY_POLICY=str(EXAMPLE), JUPYTER_PRIVACY_KEY="super-secret-key-value-123"
    )
    text = run("show", env=env)
    assert text.returncode == 0, text.stderr
    assert str(EXAMPLE) in text.stdout and "JUPYTER_PRIVACY_POLICY" in text.stdout
    assert hashlib.sha256(EXAMPLE.read_bytes()).hexdigest() in text.stdout
    assert "BUILT-IN DEFAULT" not in text.stdout
    proc = run("show", "--format", "json", env=env)
    assert proc.returncode == 0
    assert "super-secret-key-value-123" not in proc.stdout + text.stdout
    data = json.loads(proc.stdout)
    assert data["is_default"] is False
    assert data["key"] == {"source": "env", "env_var": "JUPYTER_PRIVACY_KEY", "file": None, "available": True}
    assert data["policy"]["enforcement"] == "enforce"


def test_show_invalid_policy_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\n")
    proc = run("show", env=isolated_env(tmp_path, JUPYTER_PRIVACY_POLICY=str(bad)))
    assert proc.returncode == 1
    assert_no_traceback(proc)
    assert f"{bad}: controller: required field" in proc.stdout


def test_show_reports_default_loudly(tmp_path: Path) -> None:
    from jupyter_privacy.policy import find_policy_file

    if find_policy_file() is not None:
        pytest.skip("an admin policy is installed on this machine")
    proc = run("show", env=isolated_env(tmp_path))
    assert proc.returncode == 0
    assert "BUILT-IN DEFAULT" in proc.stdout
    data = json.loads(run("show", "--format", "json", env=isolated_env(tmp_path)).stdout)
    assert data["is_default"] is True and data["warning"]


DEEP = {
    "flow lists": "version: 1\ncontroller: " + "[" * 5000 + "]" * 5000 + "\n",
    "flow mappings": "version: 1\ncontroller: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n",
    "block mappings": "version: 1\ncontroller:\n" + "".join("  " * i + "a:\n" for i in range(1, 3000)),
    "moderately deep under a purpose": MINIMAL
    + "purposes:\n  - {id: a, description: d, lawful_bases: [consent], retention: P1Y, unmask: "
    + "[" * 300
    + "]" * 300
    + "}\n",
}


@pytest.mark.parametrize("case", list(DEEP), ids=list(DEEP))
def test_check_deeply_nested_yaml_is_a_clear_problem(case: str, tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(DEEP[case], encoding="utf-8")
    proc = run("check", str(path))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert_no_traceback(proc)
    assert f"{path}: is nested too deeply" in proc.stdout, proc.stdout
    assert "    hint: " in proc.stdout and "line " in proc.stdout
