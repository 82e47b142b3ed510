"""Build hook: compiles the Spark engine's JVM functions into a jar shipped inside the package.

``jupyter_privacy/engines/spark/java/src`` holds the Java sources (the keyed pseudonyms computed in
Spark's JVM); Spark's ``UDF1`` interface is compiled from a stub and left out of the jar (Spark has it).
Needs a JDK (``javac``, 17 or later); without one the jar is not built and the Spark engine masks
with Arrow UDFs instead (slower, same tokens).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

JAVA = Path("jupyter_privacy/engines/spark/java")
JAR = JAVA / "jupyter-privacy-spark.jar"
PACKAGE = "org/jupyterprivacy/"


def build_jar(root: Path) -> Path | None:
    """Compile the sources into ``JAR`` (under ``root``). Without a JDK 17+: a warning, and the jar
    already there if it is newer than every source (an sdist's), else None (a stale one is deleted)."""
    javac = shutil.which("javac")
    sources = sorted((root / JAVA / "src").rglob("*.java"))
    jar = root / JAR
    if jar.is_file() and jar.stat().st_mtime < max(s.stat().st_mtime for s in sources):
        jar.unlink()  # built from older sources (an editable install would use it)
    if javac is None:
        print("warning: javac not found; the Spark engine will mask with Arrow UDFs", file=sys.stderr)
        return jar if jar.is_file() else None
    with tempfile.TemporaryDirectory() as out:
        command = [javac, "--release", "17", "-nowarn", "-d", out, "-sourcepath", str(root / JAVA / "stubs")]
        try:  # a JDK older than 17 (or a broken one) must not fail the install: Spark is optional
            subprocess.run([*command, *map(str, sources)], check=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            print(
                f"warning: javac failed ({exc}); the Spark engine will mask with Arrow UDFs", file=sys.stderr
            )
            return jar if jar.is_file() else None
        with zipfile.ZipFile(jar, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n\n")
            for cls in sorted(Path(out).rglob("*.class")):
                name = cls.relative_to(out).as_posix()
                if name.startswith(PACKAGE):
                    zf.write(cls, name)
    return jar


class SparkJarHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if build_jar(Path(self.root)) is not None:
            build_data["artifacts"].append(JAR.as_posix())
