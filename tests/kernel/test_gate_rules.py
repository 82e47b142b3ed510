"""The gate's rules on findings (engine-neutral: the same for pandas and Spark columns)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_privacy.detect.findings import ColumnFinding
from jupyter_privacy.kernel.gate import Need, needs, refusal
from jupyter_privacy.policy import load_policy
from jupyter_privacy.policy.model import ReferenceRule


@pytest.fixture(scope="module")
def policy(examples_dir: Path):  # type: ignore[no-untyped-def]
    return load_policy(examples_dir / "privacy_policy.yaml").policy


def text(*entities: str) -> ColumnFinding:
    return ColumnFinding("notes", "str", "direct", list(entities), 0.9, 0.5, free_text=True)


def test_each_entity_of_free_text_keeps_its_own_category(policy) -> None:  # type: ignore[no-untyped-def]
    assert needs(text("EMAIL_ADDRESS", "PATIENT_ID", "DATE_OF_BIRTH"), policy) == [
        Need("EMAIL_ADDRESS", "direct", None),
        Need("PATIENT_ID", "special", "HEALTH"),  # the policy's custom recogniser says so
        Need("DATE_OF_BIRTH", "direct", None),  # unknown to the recognisers: the column's category
    ]


@pytest.mark.parametrize(
    ("purpose", "finding", "missing"),
    [
        ("churn-model", text("EMAIL_ADDRESS", "PHONE_NUMBER"), "notes (direct: PHONE_NUMBER)"),
        ("churn-model", text("PHONE_NUMBER", "EMAIL_ADDRESS"), "notes (direct: PHONE_NUMBER)"),
        ("churn-model", text("EMAIL_ADDRESS", "PATIENT_ID"), "notes (special: PATIENT_ID [HEALTH])"),
        ("clinical-research", text("PATIENT_ID", "EMAIL_ADDRESS"), "notes (direct: EMAIL_ADDRESS)"),
        ("marketing-consent", text("EMAIL_ADDRESS", "PHONE_NUMBER", "PERSON"), None),
    ],
)
def test_every_entity_must_be_allowed(
    policy, purpose: str, finding: ColumnFinding, missing: str | None
) -> None:  # type: ignore[no-untyped-def]
    reason = refusal(policy, policy.purpose(purpose), None, [("notes", finding)])
    if missing is None:
        assert reason is None
    else:
        assert reason is not None and f"does not allow raw access to: {missing} (it allows" in reason


def test_special_entity_inside_text_needs_the_art9_condition(policy) -> None:  # type: ignore[no-untyped-def]
    finding = text("PATIENT_ID")
    clinical = policy.purpose("clinical-research")
    reason = refusal(policy, clinical, None, [("notes", finding)])
    assert reason is not None and "notes is a special category (HEALTH)" in reason
    assert refusal(policy, clinical, "explicit_consent", [("notes", finding)]) is None


def test_unflagged_columns_need_nothing(policy) -> None:  # type: ignore[no-untyped-def]
    plain = ColumnFinding("plan", "str")
    assert refusal(policy, policy.purpose("churn-model"), None, [("plan", plain)]) is None


@pytest.mark.parametrize(
    "digits", ["\u0662\u0660\u0662\u0666", "\uff12\uff10\uff12\uff16", "\u0968\u0966\u0968\u096c"]
)
def test_reference_patterns_accept_ascii_digits_only(digits: str) -> None:
    rule = ReferenceRule(pattern=r"^LIA-\d{4}-\d{3}$")
    assert rule.accepts("LIA-2026-014")
    assert not rule.accepts(f"LIA-{digits}-014")
