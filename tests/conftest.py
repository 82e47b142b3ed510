"""Test-wide isolation: every test (and every process it starts) gets a throw-away home directory.

The built-in default policy writes its processing log under ``~/.local/share/jupyter-privacy``; tests
must never touch the real one of the person running them.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

os.environ["HOME"] = tempfile.mkdtemp(prefix="jupyter-privacy-test-home-")
atexit.register(shutil.rmtree, os.environ["HOME"], ignore_errors=True)  # not left behind by every run
os.environ.pop("JUPYTER_PRIVACY_POLICY", None)
os.environ.pop("JUPYTER_PRIVACY_KEY", None)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Any]:
    """A real PostgreSQL cluster for this test session (see tests/pg_cluster.py); started on first use."""
    from pg_cluster import start_cluster

    try:
        cluster = start_cluster()
    except RuntimeError as exc:
        pytest.skip(str(exc))
    yield cluster
    cluster.remove()


@pytest.fixture(scope="session")
def spark_connect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real Spark Connect server in its own process for this test session (see tests/spark_connect.py)."""
    pytest.importorskip("pyspark")
    pytest.importorskip("grpc")  # pyspark[connect]
    from spark_connect import start_server

    warehouse = tmp_path_factory.mktemp("connect-warehouse").as_uri()  # tables: not in the server's cwd
    server = start_server(
        tmp_path_factory.mktemp("connect-events"), conf={"spark.sql.warehouse.dir": warehouse}
    )
    yield server
    server.stop()
