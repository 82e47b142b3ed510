"""The purpose gate in a real kernel: every entity of a column is checked, every refusal is logged.

A free-text column holding e-mail addresses AND phone numbers must not be unmasked under a purpose that
allows e-mail addresses only (issue 9, item 2); refused declarations (wrong basis, ill-formed reference,
Art. 9 condition that does not apply, unknown purpose) are logged as ``purpose_refused``, and a purpose
change logs the revocation of the grants made under the old purpose.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from faker import Faker
from kernel_cells import KernelRun, run_cells

TYPED_SECRET = "secret.person@example.org"  # typed as a reference: must never reach the log


def write_tickets(path: Path) -> pd.DataFrame:
    """Support tickets whose notes mention e-mail addresses (most rows) and phone numbers (some)."""
    fake, rng = Faker("en_GB"), random.Random(9)
    Faker.seed(9)
    notes = []
    for _ in range(80):
        email, phone = fake.email(), fake.phone_number()
        notes.append(
            rng.choice(
                [
                    f"Please send the contract to {email} before Friday",
                    f"Customer wrote from {email} about a late delivery",
                    f"Reach me at {email} or call {phone} after five",
                    f"Asked to be called back on {phone} about the invoice",
                ]
            )
        )
    frame = pd.DataFrame({"ticket_id": [f"T{i:04d}" for i in range(80)], "notes": notes})
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return frame


CHURN = "%privacy_purpose churn-model --basis legitimate_interest --ref LIA-2026-014"
CELLS = [
    ("ext", "%load_ext jupyter_privacy"),
    ("load", "%privacy_load data/tickets.csv --as tickets --quiet"),
    ("customers", "%privacy_load data/customers.csv --as customers --quiet"),
    ("churn", CHURN),
    ("notes-refused", "%privacy_unmask tickets --columns notes"),
    ("email-granted", "%privacy_unmask customers --columns email --as contacts"),
    ("bad-basis", "%privacy_purpose churn-model --basis consent --ref LIA-2026-014"),
    (
        "arabic-digits",
        "%privacy_purpose churn-model --basis legitimate_interest --ref LIA-\u0662\u0660\u0662\u0666-014",
    ),
    ("art9", f"{CHURN} --art9 explicit_consent"),
    ("unknown", f"%privacy_purpose nope --basis consent --ref {TYPED_SECRET}"),
    ("still-raw", "print('still raw:', (~contacts['email'].str.endswith('@masked.invalid')).all())"),
    ("marketing", "%privacy_purpose marketing-consent --basis consent --ref CONSENT-2026A1"),
    ("masked-again", "print('masked again:', contacts['email'].str.endswith('@masked.invalid').all())"),
    ("notes-granted", "%privacy_unmask tickets --columns notes --as raw_tickets"),
    (
        "notes-raw",
        "import csv\nwith open('data/tickets.csv', newline='') as fh:\n"
        "    source = [r['notes'] for r in csv.DictReader(fh)]\n"
        "print('notes raw:', raw_tickets['notes'].tolist() == source)",
    ),
]
FAILS = {"notes-refused", "bad-basis", "arabic-digits", "art9", "unknown"}


@pytest.fixture(scope="module")
def run(
    tmp_path_factory: pytest.TempPathFactory,
    examples_dir: Path,
    policy_writer: Callable[..., tuple[Path, Path]],
    test_key: str,
) -> KernelRun:
    workdir = tmp_path_factory.mktemp("gate")
    write_tickets(workdir / "data" / "tickets.csv")
    return run_cells(
        workdir,
        CELLS,
        policy_writer=policy_writer,
        examples_dir=examples_dir,
        key=test_key,
        fails=FAILS,
    )


def one_line(run: KernelRun, cell: str) -> str:
    assert not run.errors(cell), run.errors(cell)  # a clear message, never a traceback
    lines = run.text(cell).strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("UsageError: jupyter-privacy:"), lines
    return lines[0]


def test_column_with_an_entity_the_purpose_does_not_allow_is_refused(run: KernelRun) -> None:
    line = one_line(run, "notes-refused")
    assert "does not allow raw access to: notes (direct: PHONE_NUMBER)" in line
    assert "(it allows entities EMAIL_ADDRESS)" in line
    (denied,) = run.after("notes-refused")
    assert denied.event == "unmask_denied"
    assert denied.payload["columns"][0]["entities"] == ["EMAIL_ADDRESS", "PHONE_NUMBER"]
    assert "PHONE_NUMBER" in denied.payload["reason"]


def test_every_entity_allowed_grants_the_column(run: KernelRun) -> None:
    (granted,) = run.after("notes-granted")
    assert granted.event == "unmask_granted" and granted.payload["purpose"] == "marketing-consent"
    assert not run.errors("notes-granted")
    assert "notes raw: True" in run.text("notes-raw")


@pytest.mark.parametrize(
    ("cell", "kind", "message"),
    [
        ("bad-basis", "basis_not_allowed", "lawful basis 'consent' is not allowed"),
        ("arabic-digits", "reference_invalid", "is not valid for purpose 'churn-model'"),
        ("art9", "art9_not_applicable", "allows no special-category data"),
        ("unknown", "unknown_purpose", "unknown purpose 'nope'"),
    ],
)
def test_every_refused_declaration_is_logged(run: KernelRun, cell: str, kind: str, message: str) -> None:
    assert message in one_line(run, cell)
    (refused,) = run.after(cell)
    assert refused.event == "purpose_refused"
    assert refused.payload["refusal"] == kind
    assert refused.payload["reference_given"] is True


def test_refusal_records_hold_only_the_policys_words(run: KernelRun) -> None:
    (unknown,) = run.after("unknown")
    assert unknown.payload["purpose"] is None  # what was typed is not a policy purpose: not logged
    assert TYPED_SECRET.encode() not in run.ledger.read_bytes()
    (bad_basis,) = run.after("bad-basis")
    assert bad_basis.payload["purpose"] == "churn-model" and bad_basis.payload["lawful_basis"] == "consent"


def test_refused_declarations_keep_the_purpose_and_its_grants(run: KernelRun) -> None:
    assert "still raw: True" in run.text("still-raw")


def test_purpose_change_logs_the_revocation(run: KernelRun) -> None:
    events = [r.event for r in run.after("marketing")]
    assert events == ["grants_revoked", "purpose_declared"]
    revoked = run.after("marketing")[0].payload
    assert revoked["grants"] == [
        {"dataset": revoked["grants"][0]["dataset"], "columns": ["email"], "purpose": "churn-model"}
    ]
    assert revoked["reason"] == "purpose changed to marketing-consent"
    assert "masked again: True" in run.text("masked-again")
