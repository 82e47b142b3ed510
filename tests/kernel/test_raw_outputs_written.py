"""``output_written`` says which written columns held unmasked values -- in a real kernel."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from kernel_cells import KernelRun, run_cells

CELLS = [
    ("ext", "%load_ext jupyter_privacy"),
    ("load", "customers = %privacy_load data/customers.csv"),
    ("purpose", "%privacy_purpose churn-model --basis legitimate_interest --ref LIA-2026-014"),
    ("unmask", "%privacy_unmask customers --columns email --as contacts"),
    ("masked", "customers[['email', 'plan']].to_csv('masked.csv', index=False)"),
    ("raw", "contacts[['email', 'plan']].to_csv('raw.csv', index=False)"),
    # renamed and rebuilt from plain Python lists: found by value, not by name or lineage
    (
        "renamed",
        "import pandas as pd\n"
        "mail = contacts.rename(columns={'email': 'mail'})[['mail', 'customer_id']]\n"
        "mail.to_parquet('renamed.parquet')",
    ),
    # raw values written as the index, as a Series, and in a workbook
    ("by-email", "contacts.set_index('email')[['plan']].to_csv('by_email.csv')"),
    ("series", "contacts['email'].to_csv('emails.csv')"),
    ("series-renamed", "contacts['email'].rename('who').to_json('who.json')"),
    ("excel", "contacts[['email', 'plan']].to_excel('raw.xlsx')"),
    ("index-dropped", "contacts.set_index('email')[['plan']].to_csv('plans.csv', index=False)"),
]


@pytest.fixture(scope="module")
def run(
    tmp_path_factory: pytest.TempPathFactory,
    examples_dir: Path,
    policy_writer: Callable[..., tuple[Path, Path]],
    test_key: str,
) -> KernelRun:
    return run_cells(
        tmp_path_factory.mktemp("rawout"),
        CELLS,
        policy_writer=policy_writer,
        examples_dir=examples_dir,
        key=test_key,
    )


def written(run: KernelRun, name: str) -> dict:
    return next(
        r.payload for r in run.records if r.event == "output_written" and Path(r.payload["path"]).name == name
    )


def test_a_masked_frame_written_has_no_raw_columns(run: KernelRun) -> None:
    assert written(run, "masked.csv")["raw_columns"] == []


def test_an_unmasked_frame_written_names_its_raw_columns(run: KernelRun) -> None:
    payload = written(run, "raw.csv")
    assert payload["columns"] == ["email", "plan"]
    assert payload["raw_columns"] == ["email"]


def test_a_renamed_raw_column_is_still_marked(run: KernelRun) -> None:
    assert written(run, "renamed.parquet")["raw_columns"] == ["mail"]


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("by_email.csv", ["email"]),
        ("emails.csv", ["email"]),
        ("who.json", ["who"]),
        ("raw.xlsx", ["email"]),
        ("plans.csv", []),
    ],
)
def test_raw_values_written_as_an_index_or_a_series_are_marked(
    run: KernelRun, name: str, raw: list[str]
) -> None:
    """The index of a frame is written with it (unless ``index=False``), and a Series is a column."""
    assert written(run, name)["raw_columns"] == raw
