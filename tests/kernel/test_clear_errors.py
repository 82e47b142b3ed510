"""Kernel-side mistakes get one clear line, never a traceback or a wrong result (issue 9, item 5).

One real kernel (nbclient) runs every case; each test reads what the user saw in a cell and what the
processing log holds afterwards. The unmask of a derived frame from the issue runs here too.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from kernel_cells import KernelRun, run_cells

NESTED = [
    {"name": "Ann Smith", "contact": {"email": "ann.smith@example.org", "phone": "+44 20 7946 0958"}},
    {"name": "Bob Jones", "contact": {"email": "bob.jones@example.org", "phone": "+44 20 7946 0959"}},
    {"name": "Cas Brown", "contact": {"email": "cas.brown@example.org", "phone": "+44 20 7946 0960"}},
]
RAW_CSV = (
    "import csv\nwith open('data/customers.csv', newline='') as fh:\n    source = list(csv.DictReader(fh))\n"
)
CELLS = [
    ("ext", "%load_ext jupyter_privacy"),
    ("load", "%privacy_load data/customers.csv --as customers --quiet"),
    ("purpose", "%privacy_purpose churn-model --basis legitimate_interest --ref LIA-2026-014"),
    ("twice", "%privacy_unmask customers --columns email,email"),
    ("words", "%privacy_unmask customers --columns email phone"),
    ("added", "extra = customers.assign(x=1)\n%privacy_unmask extra --columns x"),
    ("quote", '%privacy_purpose "churn-model --basis legitimate_interest'),
    ("as-bad", "%privacy_unmask customers --columns email --as 2nd-try"),
    ("export-missing", "%privacy_export --output /missing/dir/x.html"),
    ("spark-sheet", "%privacy_load data/customers.csv --engine spark --sheet 2 --quiet"),
    ("spark-sql", '%privacy_load --sql "select 1" --con sqlite:///c.db --engine spark --quiet'),
    ("pandas-table", "%privacy_load data/customers.csv --table customers --quiet"),
    ("nested", "%privacy_load data/nested.json --as people --quiet"),
    (
        "nested-masked",
        "print('columns:', list(people.columns))\n"
        "print('masked:', people['contact.email'].str.endswith('@masked.invalid').all())",
    ),
    ("sql", '%privacy_load --sql "select * from customers" --con sqlite:///c.db --as db --quiet'),
    ("sql-shape", "print('sql rows:', len(db))"),
    ("derived", "sel = customers[customers.plan == 'premium'].reset_index(drop=True)"),
    ("unmask-derived", "%privacy_unmask sel --columns email"),
    (
        "check-derived",
        RAW_CSV + "want = [r['email'] for r in source if r['plan'] == 'premium']\n"
        "print('right:', sum(a == b for a, b in zip(sel['email'], want)), 'of', len(want), len(sel))",
    ),
    # PySpark not installed: made unimportable in this kernel, so the last cell
    (
        "no-pyspark",
        "import sys\nsys.modules['pyspark'] = None\n%privacy_load data/customers.csv --engine spark",
    ),
]
FAILS = {
    "twice",
    "words",
    "added",
    "quote",
    "as-bad",
    "export-missing",
    "spark-sheet",
    "spark-sql",
    "pandas-table",
    "no-pyspark",
}


@pytest.fixture(scope="module")
def run(
    tmp_path_factory: pytest.TempPathFactory,
    examples_dir: Path,
    policy_writer: Callable[..., tuple[Path, Path]],
    test_key: str,
) -> KernelRun:
    workdir = tmp_path_factory.mktemp("errors")
    (workdir / "data").mkdir()
    (workdir / "data" / "nested.json").write_text(json.dumps(NESTED), "utf-8")
    con = sqlite3.connect(workdir / "c.db")
    con.execute("create table customers (email text, plan text)")
    con.executemany("insert into customers values (?, ?)", [(p["contact"]["email"], "basic") for p in NESTED])
    con.commit()
    con.close()
    return run_cells(
        workdir, CELLS, policy_writer=policy_writer, examples_dir=examples_dir, key=test_key, fails=FAILS
    )


def one_line(run: KernelRun, cell: str) -> str:
    assert not run.errors(cell), run.errors(cell)  # a clear message, never a traceback
    lines = run.text(cell).strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("UsageError:"), lines
    return lines[0]


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("twice", "column(s) 'email' named more than once; name each column once"),
        (
            "words",
            "--columns takes one comma-separated list, got 2 words (email phone); write --columns email,phone",
        ),
        ("added", "column(s) 'x' are not columns of the dataset loaded from"),
        ("quote", "no closing quotation in '\"churn-model --basis legitimate_interest'; close the quote"),
        ("as-bad", "--as needs a Python variable name, got '2nd-try'"),
        ("export-missing", "cannot be written to /missing/dir/x.html: its folder does not exist"),
        # an option the engine does not use is refused, not silently ignored
        ("spark-sheet", "--sheet is not used with --engine spark; Spark reads no Excel file"),
        ("spark-sql", "--sql, --con are not used with --engine spark; run the query with spark.sql(...)"),
        ("pandas-table", "--table is not used with --engine pandas; add --engine spark"),
        ("no-pyspark", "the Spark engine needs PySpark: pip install 'jupyter_privacy[spark]'"),
    ],
)
def test_mistakes_are_one_clear_line(run: KernelRun, cell: str, message: str) -> None:
    assert message in one_line(run, cell)


@pytest.mark.parametrize("cell", sorted(FAILS))
def test_a_mistake_logs_nothing(run: KernelRun, cell: str) -> None:
    assert run.after(cell) == []  # in particular no record_exported for an export that was not written


def test_nested_json_is_flattened_and_masked(run: KernelRun) -> None:
    out = run.text("nested-masked")
    assert "columns: ['name', 'contact.email', 'contact.phone']" in out
    assert "masked: True" in out
    (loaded,) = run.after("nested")
    assert {f["name"]: f["category"] for f in loaded.payload["findings"]}["contact.phone"] == "direct"
    assert not any(p["contact"]["email"].encode() in run.ledger.read_bytes() for p in NESTED)


def test_documented_sql_load_with_a_quoted_query_works(run: KernelRun) -> None:
    assert not run.errors("sql") and "sql rows: 3" in run.text("sql-shape")
    (loaded,) = run.after("sql")
    assert loaded.event == "dataset_loaded" and loaded.payload["source"].startswith("sql:sqlite:///c.db#")


def test_unmask_of_a_reset_selection_gets_each_customers_own_email(run: KernelRun) -> None:
    assert "right: 81 of 81 81" in run.text("check-derived")
    (granted,) = run.after("unmask-derived")
    assert granted.event == "unmask_granted"
