"""A real Spark Connect server for tests: a separate process (a local[2] Spark with the Connect plugin,
listening on a free loopback port), as a notebook meets one on a cluster (``sc://host:15002``).

Why a process and not ``SparkSession.builder.remote("local[2]")``: PySpark refuses a local Connect server
in a process that already runs a classic session (``SESSION_ALREADY_EXIST``), and once one has started,
``SparkSession.builder.master(...)`` returns Connect sessions for the rest of the process. The tests run
classic and Connect sessions side by side, so the server lives apart; its Python workers run this
interpreter with this checkout on PYTHONPATH (the masking runs in them).

Run as a script (``python spark_connect.py PORT EVENT_LOG_DIR CONF_JSON``), it is the server: it prints READY and
serves until its stdin closes.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class ConnectServer:
    url: str
    event_log: Path
    process: subprocess.Popen[str]

    def session(self) -> Any:
        """A Spark Connect client session on this server (the Connect class's builder: the generic one
        refuses a remote session beside a classic one)."""
        from pyspark.sql.connect.session import SparkSession

        return SparkSession.builder.remote(self.url).getOrCreate()

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(event_log: Path, timeout: float = 180, conf: dict[str, str] | None = None) -> ConnectServer:
    """Start the server and wait until it listens (RuntimeError with its output if it does not);
    ``conf``: more Spark settings for it (the benchmark's driver memory)."""
    port = _free_port()
    env = dict(os.environ)
    env["PYSPARK_PYTHON"] = sys.executable
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    for name in ("SPARK_CONNECT_MODE_ENABLED", "SPARK_REMOTE", "SPARK_LOCAL_REMOTE"):
        env.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, __file__, str(port), str(event_log), json.dumps(conf or {})],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    for line in process.stdout:
        seen.append(line)
        if line.startswith("READY"):
            break
        if time.monotonic() > deadline:
            break
    else:
        raise RuntimeError("the Spark Connect server did not start:\n" + "".join(seen[-30:]))
    if not seen or not seen[-1].startswith("READY"):
        process.kill()
        raise RuntimeError("the Spark Connect server did not start in time:\n" + "".join(seen[-30:]))
    _drain(process)
    return ConnectServer(f"sc://127.0.0.1:{port}", event_log, process)


def _drain(process: subprocess.Popen[str]) -> None:
    """Keep reading the server's output (a full pipe would block it)."""
    import threading

    def read() -> None:
        assert process.stdout is not None
        for _ in process.stdout:
            pass

    threading.Thread(target=read, daemon=True).start()


def _serve(port: str, event_log: str, conf: dict[str, str]) -> None:
    from pyspark.sql import SparkSession

    settings = {
        "spark.plugins": "org.apache.spark.sql.connect.SparkConnectPlugin",
        "spark.connect.grpc.binding.address": "127.0.0.1",
        "spark.connect.grpc.binding.port": port,
        "spark.ui.enabled": "false",
        "spark.sql.shuffle.partitions": "4",
        "spark.eventLog.enabled": "true",
        "spark.eventLog.dir": Path(event_log).as_uri(),
        "spark.eventLog.compress": "false",
        **conf,
    }
    builder = SparkSession.builder.master("local[2]").appName("jupyter-privacy-connect-tests")
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    print("READY", flush=True)
    sys.stdin.read()
    spark.stop()


if __name__ == "__main__":
    _serve(sys.argv[1], sys.argv[2], json.loads(sys.argv[3]))
