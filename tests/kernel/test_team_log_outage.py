"""The team database goes away around a real kernel (nbclient, one cell at a time; a real PostgreSQL
stopped and started by the test): stopped before the kernel starts, the load is refused with a clear error
in the cell's output; back, the same cell works; killed between two appends, the unmask is refused and
nothing raw is handed out; back, it works. The chain verifies afterwards and names every event once."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbformat.v4 import new_code_cell, new_notebook

from jupyter_privacy.ledger import verify_chain
from jupyter_privacy.ledger.postgres_schema import init_db
from jupyter_privacy.ledger.postgres_store import PostgresLedgerStore

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    from pg_cluster import start_cluster

    try:
        c = start_cluster()
    except RuntimeError as exc:
        pytest.skip(str(exc))
    with psycopg.connect(c.dsn()) as conn:
        init_db(conn, lambda _line: None)
    yield c
    c.remove()


def text_of(cell: Any) -> str:
    return "".join(
        o.get("text", "") + "".join(o.get("traceback", [])) + o.get("evalue", "") for o in cell.outputs
    )


def test_database_down_at_kernel_start_and_killed_between_appends(
    cluster: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, test_key: str
) -> None:
    data = yaml.safe_load((EXAMPLES / "privacy_policy.yaml").read_text("utf-8"))
    data["log"] = {"store": "postgresql", "dsn_env": "TEAM_LOG_DSN"}
    (tmp_path / "policy.yaml").write_text(yaml.safe_dump(data), "utf-8")
    notebook = tmp_path / "outage.ipynb"
    monkeypatch.setenv("JUPYTER_PRIVACY_POLICY", str(tmp_path / "policy.yaml"))
    monkeypatch.setenv("JUPYTER_PRIVACY_KEY", test_key)
    monkeypatch.setenv("JUPYTER_PRIVACY_NOTEBOOK", str(notebook))
    monkeypatch.setenv("TEAM_LOG_DSN", cluster.dsn() + " connect_timeout=3")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    cells = {
        "ext": "%load_ext jupyter_privacy",
        "load": f"customers = %privacy_load {EXAMPLES / 'data' / 'customers.csv'} --quiet",
        "purpose": "%privacy_purpose churn-model --basis legitimate_interest --ref LIA-2026-014",
        "unmask": "%privacy_unmask customers --columns email --as contacts",
        "check": "print('contacts' in dir(), customers.shape)",
    }
    nb = new_notebook(cells=[new_code_cell(src, id=cid) for cid, src in cells.items()])
    client = NotebookClient(
        nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(tmp_path)}}
    )
    cell = {c.id: (i, c) for i, c in enumerate(nb.cells)}

    def run(cid: str) -> str:
        index, c = cell[cid]
        c.outputs = []
        # a refused magic raises in the cell (CellExecutionError): its output is what the user sees
        with contextlib.suppress(CellExecutionError):
            client.execute_cell(c, index)
        return text_of(c)

    cluster.stop("immediate")  # down before the kernel starts
    try:
        with client.setup_kernel():
            run("ext")
            refused = run("load")
            cluster.start()
            loaded = run("load")
            run("purpose")
            cluster.stop("immediate")  # killed between two appends
            refused_unmask = run("unmask")
            after_refusal = run("check")
            cluster.start()
            granted = run("unmask")
            final = run("check")
    finally:
        if not os.path.exists(cluster.directory / "data" / "postmaster.pid"):
            cluster.start()
    assert "refused: the processing log cannot be written" in refused and "nothing was done" in refused
    assert "dbname" not in refused + refused_unmask  # the connection string is never shown
    assert "Error" not in loaded
    assert "refused: the processing log cannot be written" in refused_unmask
    assert after_refusal.startswith("False")  # no raw frame was handed out
    assert "Error" not in granted and final.startswith("True")
    with PostgresLedgerStore(cluster.dsn(), readonly=True) as store:
        assert verify_chain(store, str(notebook)).ok
        events = [r.event for r in store.records(str(notebook))]
    assert events.count("dataset_loaded") == 1 and events.count("unmask_granted") == 1
    assert "unmask_granted" not in events[: events.index("purpose_declared")]
    local = [p.name for p in (tmp_path / "home").rglob("*") if p.is_file()]
    assert local and all(p.startswith("g-") for p in local)  # only the save hook's grant files (documented)
