"""The policy model: the example validates, helpers answer the questions other layers ask."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from jupyter_privacy.policy import (
    ALL_READERS,
    MaskingSettings,
    MaskRule,
    Policy,
    Purpose,
    ReferenceRule,
    default_policy,
    load_policy,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "privacy_policy.yaml"


def test_example_policy_validates() -> None:
    loaded = load_policy(EXAMPLE)
    policy = loaded.policy
    assert not loaded.is_default
    assert policy.enforcement == "enforce"
    assert [p.id for p in policy.purposes] == ["churn-model", "marketing-consent", "clinical-research"]
    assert policy.dpo is not None
    assert {r.entity for r in policy.detection.custom_recognizers} == {"EMPLOYEE_ID", "PATIENT_ID"}
    assert policy.interception.enabled
    assert policy.key.source == "env"


def test_example_purposes_behave_as_documented() -> None:
    policy = load_policy(EXAMPLE).policy
    churn = policy.purpose("churn-model")
    clinical = policy.purpose("clinical-research")
    assert churn is not None and clinical is not None
    assert churn.reference is not None and churn.reference.accepts("LIA-2026-014")
    assert not churn.reference.accepts("LIA-2026-014x")  # full match, not a prefix match
    assert churn.may_unmask("EMAIL_ADDRESS", "direct")
    assert not churn.may_unmask("PHONE_NUMBER", "direct")
    assert not churn.may_unmask("HEALTH", "special")
    assert clinical.may_unmask("HEALTH", "special")
    assert clinical.may_unmask("PATIENT_ID", "special", special_category="HEALTH")
    assert not clinical.may_unmask("RELIGION", "special")
    assert policy.purpose("no-such-purpose") is None


def test_masking_rule_resolution() -> None:
    masking = load_policy(EXAMPLE).policy.masking
    assert masking.rule_for("DATE_OF_BIRTH", "quasi") == MaskRule(strategy="generalise", granularity="year")
    assert masking.rule_for("POSTCODE", "quasi").keep_prefix == 2
    assert masking.rule_for("EMAIL_ADDRESS", "direct").strategy == "pseudonymise"
    assert masking.rule_for("HEALTH", "special").strategy == "redact"


def test_partial_category_override_keeps_other_defaults() -> None:
    masking = MaskingSettings.model_validate({"categories": {"direct": {"strategy": "redact"}}})
    assert masking.categories["direct"].strategy == "redact"
    assert masking.categories["special"].strategy == "redact"
    assert masking.categories["quasi"].strategy == "generalise"


def test_default_policy_masks_everything_and_unmasks_nothing() -> None:
    policy = default_policy()
    assert policy.purposes == []
    assert policy.enforcement == "warn"
    assert "built-in default" in policy.controller.name
    assert {c: r.strategy for c, r in policy.masking.categories.items()} == {
        "direct": "pseudonymise",
        "quasi": "generalise",
        "special": "redact",
    }
    assert list(policy.interception.readers) == list(ALL_READERS)


def test_reference_rule_with_pattern_and_registry_needs_both() -> None:
    rule = ReferenceRule(pattern=r"^DOC-\d+$", registry=["DOC-1", "DOC-2"])
    assert rule.accepts("DOC-1")
    assert not rule.accepts("DOC-3")
    with pytest.raises(ValidationError, match="does not match the reference pattern"):
        ReferenceRule(pattern=r"^DOC-\d+$", registry=["OTHER"])
    with pytest.raises(ValidationError, match="needs a `pattern` or a non-empty `registry`"):
        ReferenceRule()


def test_special_entity_in_unmask_needs_it_allowed() -> None:
    with pytest.raises(ValidationError, match="special category HEALTH"):
        Purpose.model_validate(
            {
                "id": "x",
                "description": "d",
                "lawful_bases": ["consent"],
                "retention": "P1Y",
                "unmask": {"entities": ["HEALTH"]},
            }
        )


def test_log_path_expanded_at_use_time(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    policy = Policy.model_validate(
        {"version": 1, "controller": {"name": "c", "contact": "c@x"}, "log": {"path": "$LEDGER_DIR/l.db"}}
    )
    assert policy.log.path == "$LEDGER_DIR/l.db"  # stored as written
    monkeypatch.setenv("LEDGER_DIR", str(tmp_path))
    assert policy.log.resolved_path() == tmp_path / "l.db"


def test_policy_is_immutable() -> None:
    policy = default_policy()
    with pytest.raises(ValidationError):
        policy.enforcement = "enforce"
