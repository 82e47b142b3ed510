"""A throw-away PostgreSQL cluster for tests and benchmarks: initdb into a temporary directory, a free
loopback port, started and stopped with pg_ctl. initdb and postgres refuse to run as root (CI runs as
root), so as root they run as the ``postgres`` system user on a directory it owns.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def bindir() -> Path | None:
    """Where initdb/pg_ctl live (``pg_config --bindir``), or None when PostgreSQL is not installed."""
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, check=False
        ).stdout.strip()
        if out and (Path(out) / "initdb").exists():
            return Path(out)
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    """A running cluster; ``dsn(role)`` connects as ``role`` (trust authentication on loopback)."""

    directory: Path
    port: int
    bindir: Path
    superuser: str

    def dsn(self, role: str | None = None, dbname: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} dbname={dbname} user={role or self.superuser}"

    def _as_owner(self, *cmd: str) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run([*prefix, *cmd], capture_output=True, text=True, check=False, timeout=120)

    def stop(self, mode: str = "fast") -> None:
        self._as_owner(
            str(self.bindir / "pg_ctl"), "-D", str(self.directory / "data"), "-m", mode, "-w", "stop"
        )

    def start(self) -> None:
        data = self.directory / "data"
        opts = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        proc = self._as_owner(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            opts,
            "-l",
            str(self.directory / "server.log"),
            "-w",
            "start",
        )
        if proc.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {proc.stdout}{proc.stderr}")

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)


def start_cluster() -> Cluster:
    """initdb + start on a free port. Raises RuntimeError when PostgreSQL is not installed or fails."""
    bins = bindir()
    if bins is None:
        raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
    directory = Path(tempfile.mkdtemp(prefix="jp-pg-"))
    directory.chmod(0o755)
    superuser = "postgres" if os.geteuid() == 0 else os.environ.get("USER") or "postgres"
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    cluster = Cluster(directory, _free_port(), bins, superuser)
    init = cluster._as_owner(
        str(bins / "initdb"), "-D", str(directory / "data"), "-A", "trust", "-U", superuser, "--no-sync"
    )
    if init.returncode != 0:
        raise RuntimeError(f"initdb failed: {init.stdout}{init.stderr}")
    cluster.start()
    return cluster
