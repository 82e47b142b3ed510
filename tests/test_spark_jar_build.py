"""The install's build hook (``hatch_build.py``): the Spark jar is compiled with javac when a JDK 17+ is
there; any other JDK, or none, leaves no jar (the Spark engine masks with Arrow UDFs) and the install goes on."""

from __future__ import annotations

import os
import shutil
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import hatch_build  # noqa: E402


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the package's Java sources, with the jar of an older build left beside them."""
    shutil.copytree(
        ROOT / hatch_build.JAVA, tmp_path / hatch_build.JAVA, ignore=shutil.ignore_patterns("*.jar")
    )
    stale = tmp_path / hatch_build.JAR
    stale.write_bytes(b"a jar built from older sources")
    os.utime(stale, (0, 0))
    return tmp_path


def test_the_jar_holds_the_package_classes_only(tree: Path) -> None:
    if shutil.which("javac") is None:
        pytest.skip("no JDK on this machine")
    jar = hatch_build.build_jar(tree)
    assert jar == tree / hatch_build.JAR
    names = zipfile.ZipFile(jar).namelist()
    assert "org/jupyterprivacy/spark/TokenUdf.class" in names
    assert not [n for n in names if n.startswith("org/apache/")]  # Spark's UDF1 stub stays out


def test_a_jdk_older_than_17_warns_and_leaves_no_jar(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """javac 11 refuses ``--release 17`` (exit 2): the install must not fail, and no stale jar stays."""
    bin_dir = tmp_path / "jdk11" / "bin"
    bin_dir.mkdir(parents=True)
    javac = bin_dir / "javac"
    javac.write_text("#!/bin/sh\necho 'error: release version 17 not supported' >&2\nexit 2\n")
    javac.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    assert hatch_build.build_jar(tree) is None
    assert not (tree / hatch_build.JAR).exists()
    assert "Arrow UDFs" in capsys.readouterr().err


def test_no_jdk_warns_and_leaves_no_jar(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert hatch_build.build_jar(tree) is None
    assert not (tree / hatch_build.JAR).exists()
    assert "javac not found" in capsys.readouterr().err


def test_without_a_jdk_an_up_to_date_jar_is_kept(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An sdist carries the jar built from its own sources: a wheel built from it without a JDK keeps it."""
    jar = tree / hatch_build.JAR
    os.utime(jar)  # newer than every source
    monkeypatch.setenv("PATH", "")
    assert hatch_build.build_jar(tree) == jar
    assert jar.read_bytes() == b"a jar built from older sources"
