"""A column holding several kinds of identifier, one kind per row (a ``contact`` column of e-mail
addresses and phone numbers): no kind alone reaches ``min_coverage``, together they cover the column."""

from __future__ import annotations

import pandas as pd
from faker import Faker

from jupyter_privacy import scan
from jupyter_privacy.mask import mask_frame
from jupyter_privacy.mask.keys import MaskingKey
from jupyter_privacy.policy import default_policy

POLICY = default_policy().model_copy(
    update={"detection": default_policy().detection.model_copy(update={"ner_model": "none"})}
)


def _contacts(n: int = 300) -> list[str]:
    Faker.seed(5)
    fake = Faker()
    return [fake.unique.email() if i % 2 else f"+31 6 {12345000 + 7 * i}" for i in range(n)]


def test_a_column_of_e_mail_addresses_and_phone_numbers_is_flagged_and_masked() -> None:
    contacts = _contacts()
    frame = pd.DataFrame({"id": range(len(contacts)), "contact": contacts})
    result = scan(frame, POLICY)
    finding = result["contact"]
    assert finding.category == "direct" and set(finding.entities) == {"EMAIL_ADDRESS", "PHONE_NUMBER"}
    masked = mask_frame(frame, result, POLICY, MaskingKey("5f3e" * 16))
    assert not set(contacts) & set(masked.frame["contact"])
    assert not [c for c in contacts if any(c in v for v in masked.frame["contact"])]


def test_a_column_of_codes_with_a_few_identifiers_is_not_flagged_as_mixed() -> None:
    contacts = _contacts(40)
    codes = [f"SKU-{i:05d}" for i in range(260)]
    assert scan(pd.DataFrame({"code": contacts + codes}), POLICY)["code"].category == "none"


def test_a_column_named_email_holding_phone_numbers_too_names_both() -> None:
    """A column named ``email`` whose values are 60% e-mail addresses, 40% phone numbers: the name let the
    e-mail addresses alone flag it, as EMAIL_ADDRESS only -- so a purpose allowing e-mail addresses got
    the phone numbers raw too. Every kind found is named, so the gate asks for all of them."""
    contacts = _contacts(500)
    emails = iter([c for c in contacts if "@" in c])
    phones = iter([c for c in contacts if "@" not in c])
    values = [next(phones) if i % 5 in (1, 3) else next(emails) for i in range(300)]  # 3 : 2, interleaved
    finding = scan(pd.DataFrame({"email": values}), POLICY)["email"]
    assert set(finding.entities) == {"EMAIL_ADDRESS", "PHONE_NUMBER"}
