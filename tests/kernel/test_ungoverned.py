"""Reads around the governed path (issue 9, item 4): a file the session loaded masked, read again raw with
``open()``, ``csv``, pyarrow or polars (or pandas with interception off), is logged as ``ungoverned_read``
once the cell has finished; jupyter-privacy's own reads and intercepted reads are not.

An in-process IPython shell with the extension loaded; cells run through ``run_cell`` so the cell hooks
fire as in a kernel.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell

from jupyter_privacy.ledger import SqliteLedgerStore

PEOPLE = pd.DataFrame(
    {"email": [f"person{i}@example.org" for i in range(8)], "amount": [float(i) for i in range(8)]}
)


class Shell:
    def __init__(self, ip: InteractiveShell, workdir: Path) -> None:
        self.ip, self.workdir = ip, workdir

    def run(self, code: str) -> None:
        result = self.ip.run_cell(code, store_history=True)
        assert result.success, result.error_in_exec or result.error_before_exec

    def reads(self) -> list[dict[str, Any]]:
        store = SqliteLedgerStore(self.workdir / "ledger.sqlite3", readonly=True)
        try:
            notebook = str((self.workdir / "reads.ipynb").resolve())
            return [r.payload for r in store.records(notebook) if r.event == "ungoverned_read"]
        finally:
            store.close()


@pytest.fixture
def make_shell(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    policy_writer: Callable[..., tuple[Path, Path]],
    test_key: str,
) -> Iterator[Callable[..., Shell]]:
    ip = InteractiveShell.instance()
    loaded: list[bool] = []

    def make(**policy_changes: Any) -> Shell:
        policy, _ledger = policy_writer(tmp_path, **policy_changes)
        PEOPLE.to_csv(tmp_path / "people.csv", index=False)
        (tmp_path / "other.txt").write_text("not governed\n")
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("JUPYTER_PRIVACY_POLICY", str(policy))
        monkeypatch.setenv("JUPYTER_PRIVACY_KEY", test_key)
        monkeypatch.setenv("JUPYTER_PRIVACY_NOTEBOOK", str(tmp_path / "reads.ipynb"))
        ip.reset(new_session=False)
        ip.run_line_magic("load_ext", "jupyter_privacy")
        loaded.append(True)
        shell = Shell(ip, tmp_path)
        shell.run("import pandas as pd\ncustomers = %privacy_load people.csv --quiet")
        return shell

    yield make
    if loaded:
        ip.run_line_magic("unload_ext", "jupyter_privacy")


def test_raw_reads_of_a_governed_file_are_logged(make_shell: Callable[..., Shell], tmp_path: Path) -> None:
    shell = make_shell()
    shell.run("text = open('people.csv').read()\nagain = open('people.csv').read()")
    shell.run("import csv\nwith open('people.csv') as fh:\n    rows = list(csv.reader(fh))")
    shell.run("import pyarrow.csv\ntable = pyarrow.csv.read_csv('people.csv')")
    shell.run("import polars as pl\nframe = pl.read_csv('people.csv')")
    reads = shell.reads()
    assert [(r["via"], r["count"]) for r in reads] == [
        ("notebook code", 2),
        ("notebook code", 1),
        ("pyarrow.csv.read_csv", 1),
        ("polars.read_csv", 1),
    ]
    dataset = shell.ip.user_ns["customers"].attrs["jupyter_privacy"]["datasets"]
    assert all(
        r["path"] == str((tmp_path / "people.csv").resolve()) and r["datasets"] == dataset for r in reads
    )


def test_governed_reads_and_other_files_are_not_logged(make_shell: Callable[..., Shell]) -> None:
    shell = make_shell()
    shell.run("again = pd.read_csv('people.csv')")  # intercepted: governed
    shell.run("%privacy_load people.csv --as third --quiet")
    shell.run("%privacy_purpose churn-model --basis legitimate_interest --ref LIA-2026-014")
    shell.run("%privacy_unmask customers --columns email")  # re-reads the source itself
    shell.run("text = open('other.txt').read()")
    with open("people.csv", "w") as fh:  # a write is not a read
        fh.write(PEOPLE.to_csv(index=False))
    assert shell.reads() == []


def test_pandas_with_interception_off_is_an_ungoverned_read(make_shell: Callable[..., Shell]) -> None:
    shell = make_shell(interception={"enabled": False})
    shell.run("raw = pd.read_csv('people.csv')\nraw_pq = None")
    assert [r["via"] for r in shell.reads()] == ["pandas"]


def test_shell_commands_that_read_a_governed_file_are_logged(make_shell: Callable[..., Shell]) -> None:
    """``!head data.csv`` prints raw rows from another process, where no ``open()`` of the kernel sees it:
    the cell's shell lines and the commands a cell starts itself are checked instead."""
    shell = make_shell()
    shell.run("!head -3 people.csv")
    shell.run("lines = !cat people.csv")  # getoutput runs it through subprocess: still one read
    shell.run("import subprocess\nsubprocess.run(['wc', '-l', 'people.csv'], capture_output=True)")
    shell.run("import os\nos.system('sort <people.csv > /dev/null')")
    shell.run("%%bash\ncut -d, -f1 people.csv | head -2 > /dev/null")
    shell.run("p = 'people.csv'\n!tail -1 {p}")  # the name only exists once IPython expands it
    shell.run("!ls\n!cat other.txt\n!echo people.csv.bak")  # no governed file read
    assert [(r["via"], r["count"]) for r in shell.reads()] == [
        ("shell: head", 1),
        ("shell: cat", 1),
        ("shell: wc", 1),
        ("shell: sort", 1),
        ("shell: cut", 1),
        ("shell: tail", 1),
    ]
