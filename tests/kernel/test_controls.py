"""Controls a user expects (issue 9, item 7), in a real kernel: ending a purpose, flagging a column.

The ward a patient lies on reveals their condition (ward 4D is the HIV clinic) but looks like any code
to the scanner; the user flags it as special-category HEALTH data. Flags only ever mask more.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from kernel_cells import KernelRun, run_cells

VISITS = """visit_id,full_name,code,ward
V001,Anna de Vries,E11.9,3B
V002,Jan Jansen,J45.0,2A
V003,Piet Bakker,F32.1,3B
V004,Els Visser,I10,1C
V005,Kees Smit,J45.0,2A
V006,Mia Meijer,B20,4D
V007,Tom de Boer,E10.9,3B
V008,Sara Mulder,C50.9,1C
"""
WARDS = ["3B", "2A", "3B", "1C", "2A", "4D", "3B", "1C"]
CLINICAL = "%privacy_purpose clinical-research --basis consent --ref METC-2026-12"
CELLS = [
    ("ext", "%load_ext jupyter_privacy"),
    ("load", "%privacy_load data/visits.csv --as visits --quiet"),
    ("before", "print('ward before:', visits['ward'].tolist())"),
    ("flag", "%privacy_flag visits ward special HEALTH"),
    ("after", "print('ward after:', visits['ward'].tolist())"),
    ("less", "%privacy_flag visits full_name quasi"),
    ("bad-special", "%privacy_flag visits ward special DIABETES"),
    ("not-a-column", "%privacy_flag visits bed direct"),
    ("clinical", CLINICAL),
    ("needs-art9", "%privacy_unmask visits --columns ward"),
    ("clinical-art9", f"{CLINICAL} --art9 explicit_consent"),
    ("unmask", "%privacy_unmask visits --columns ward --as raw_visits"),
    ("raw", "print('raw wards:', raw_visits['ward'].tolist())"),
    ("end", "%privacy_purpose --end"),
    ("masked-again", "print('after end:', raw_visits['ward'].tolist())"),
    ("no-purpose", "%privacy_unmask visits --columns ward"),
    ("end-again", "%privacy_purpose --end"),
    ("export", "%privacy_export --format json --output record.json"),
]
FAILS = {"less", "bad-special", "not-a-column", "needs-art9", "no-purpose", "end-again"}


@pytest.fixture(scope="module")
def run(
    tmp_path_factory: pytest.TempPathFactory,
    examples_dir: Path,
    policy_writer: Callable[..., tuple[Path, Path]],
    test_key: str,
) -> KernelRun:
    workdir = tmp_path_factory.mktemp("controls")
    (workdir / "data").mkdir()
    (workdir / "data" / "visits.csv").write_text(VISITS, "utf-8")
    return run_cells(
        workdir, CELLS, policy_writer=policy_writer, examples_dir=examples_dir, key=test_key, fails=FAILS
    )


def one_line(run: KernelRun, cell: str) -> str:
    assert not run.errors(cell), run.errors(cell)
    lines = run.text(cell).strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("UsageError:"), lines
    return lines[0]


def test_flag_masks_the_column_and_logs_the_correction(run: KernelRun) -> None:
    assert f"ward before: {WARDS}" in run.text("before")  # the scanner did not flag it
    assert "flagged ward in visits: special [HEALTH], masked (redact)" in run.text("flag")
    assert "ward after: " + str(["[REDACTED]"] * 8) in run.text("after")
    (flagged,) = run.after("flag")
    assert flagged.event == "column_flagged"
    assert flagged.payload["from"] == {"category": "none", "entities": []}
    assert flagged.payload["to"] == {
        "category": "special",
        "entities": ["HEALTH"],
        "special_category": "HEALTH",
    }


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("less", "'full_name' is already classified direct; a flag can only mask more"),
        ("bad-special", "a special-category flag names its Art. 9 category: one of HEALTH"),
        ("not-a-column", "no column 'bed' of the dataset loaded from"),
        ("no-purpose", "no purpose declared"),
        ("end-again", "no purpose is declared, so there is none to end"),
    ],
)
def test_refused_controls_are_one_clear_line(run: KernelRun, cell: str, message: str) -> None:
    assert message in one_line(run, cell)


def test_the_gate_judges_the_flagged_column_by_the_flag(run: KernelRun) -> None:
    assert "ward is a special category (HEALTH); declare the purpose with its Art. 9 condition" in one_line(
        run, "needs-art9"
    )
    assert f"raw wards: {WARDS}" in run.text("raw")


def test_ending_the_purpose_revokes_its_grants_and_is_logged(run: KernelRun) -> None:
    assert "purpose ended: clinical-research" in run.text("end")
    assert [r.event for r in run.after("end")] == ["grants_revoked", "purpose_ended"]
    assert run.after("end")[1].payload["purpose"] == "clinical-research"
    assert "after end: " + str(["[REDACTED]"] * 8) in run.text("masked-again")
    assert run.after("end-again") == []


def test_the_correction_is_in_the_dpos_record(run: KernelRun) -> None:
    record = json.loads((run.workdir / "record.json").read_text("utf-8"))
    (correction,) = record["technical_measures"]["corrections"]
    assert correction["column"] == "ward" and correction["to"]["category"] == "special"
    assert correction["cell_id"] == "flag"
    health = next(s for s in record["special_categories"] if s["category"] == "HEALTH")
    assert any(c.endswith(":ward") for c in health["columns"])
