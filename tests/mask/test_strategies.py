"""Generalisation, redaction and free-text span masking, and whole-frame masking per policy."""

from __future__ import annotations

import pandas as pd

from jupyter_privacy.detect import scan_dataframe
from jupyter_privacy.detect.recognizers import builtin_recognizers, text_recognizers
from jupyter_privacy.mask import MaskingKey, mask_frame, token_for
from jupyter_privacy.mask.strategies import (
    REDACTED,
    generalise_age,
    generalise_date,
    generalise_prefix,
    mask_free_text,
    redact,
)
from jupyter_privacy.policy import default_policy

KEY = MaskingKey("k" * 64, "test")


def test_birth_dates_to_years_in_either_day_order() -> None:
    iso = generalise_date(pd.Series(["1985-03-14", None, "1990-12-01"]))
    assert iso.tolist()[0] == 1985 and pd.isna(iso[1]) and iso[2] == 1990
    dutch = generalise_date(pd.Series(["25-03-1923", "11-03-1976"]))
    assert dutch.tolist() == [1923, 1976]
    assert generalise_date(pd.Series(["1985-03-14"]), "month").tolist() == ["1985-03"]
    assert generalise_date(pd.Series(["1985-03-14"]), "decade").tolist() == [1980]


def test_postcodes_and_ages() -> None:
    assert generalise_prefix(pd.Series(["1234 AB", "sw1a 1aa", None]), 2).tolist()[:2] == ["12", "SW"]
    assert generalise_age(pd.Series([34, 7, None])).tolist()[:2] == ["30-39", "0-9"]


def test_redaction_keeps_nulls() -> None:
    out = redact(pd.Series(["diabetes", None]))
    assert out[0] == REDACTED and pd.isna(out[1])


def test_free_text_spans_masked_rest_kept() -> None:
    recs = text_recognizers(builtin_recognizers())
    texts = pd.Series(
        [
            "my name is Jan Jansen, mail jan@example.org or call +31 6 12345678",
            "no personal data here, order 2024-05-01",
            "call back on +44292018494 please",
        ]
    )
    out, counts = mask_free_text(texts, recs, KEY)
    first = out[0]
    assert "jan@example.org" not in first and "12345678" not in first and "Jan Jansen" not in first
    assert token_for("jan@example.org", KEY, "EMAIL_ADDRESS") in first
    assert first.startswith("my name is PERSON_")
    assert out[1] == texts[1]
    assert "44292018494" not in out[2] and out[2].startswith("call back on PHONE_")
    assert counts["EMAIL_ADDRESS"] == 1


def test_mask_frame_follows_policy_and_leaves_other_columns() -> None:
    df = pd.DataFrame(
        {
            "email": [f"p{i}@example.org" for i in range(60)],
            "diagnosis": ["asthma", "diabetes", "migraine"] * 20,
            "date_of_birth": ["1980-01-02"] * 60,
            "amount": range(60),
        }
    )
    scan = scan_dataframe(df, default_policy())
    masked = mask_frame(df, scan, default_policy(), KEY)
    strategies = {c.column: c.strategy for c in masked.columns}
    assert strategies == {"email": "pseudonymise", "diagnosis": "redact", "date_of_birth": "generalise"}
    assert masked.frame["amount"].equals(df["amount"])
    assert (masked.frame["diagnosis"] == REDACTED).all()
    assert masked.frame["date_of_birth"].tolist()[0] == 1980
    assert masked.key_id == KEY.key_id
    assert KEY.secret not in repr(masked.to_dict())
