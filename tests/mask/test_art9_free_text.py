"""Art. 9 terms inside notes: the column is special and each term is replaced by its keyed token."""

from __future__ import annotations

import random

import pandas as pd

from jupyter_privacy.detect import scan_dataframe
from jupyter_privacy.mask import MaskingKey, mask_frame, token_for
from jupyter_privacy.policy import default_policy

KEY = MaskingKey("k" * 64, "test")
PLAIN = ["Called back about the appointment time.", "Asked for a copy of the invoice.",
         "Moved the visit to next Tuesday morning.", "Parking permit renewed at the desk."]  # fmt: skip
HEALTH = ["Follow-up for type 2 diabetes; metformin increased.",
          "Le patient signale de l'asthme la nuit.",
          "Klachten van depressie, in behandeling."]  # fmt: skip


def notes_frame() -> pd.DataFrame:
    r = random.Random(0)
    n = 300
    return pd.DataFrame(
        {
            "patient_id": range(n),
            "age": [r.randint(18, 90) for _ in range(n)],
            "notes": [r.choice(HEALTH) if r.random() < 0.2 else r.choice(PLAIN) for _ in range(n)],
        }
    )


def test_notes_mentioning_conditions_are_special_and_the_terms_masked() -> None:
    df = notes_frame()
    policy = default_policy()
    scan = scan_dataframe(df, policy)
    notes = scan["notes"]
    assert (notes.category, notes.special_category, notes.free_text) == ("special", "HEALTH", True)
    assert notes.rule == "free-text" and "HEALTH" in notes.entities

    masked = mask_frame(df, scan, policy, KEY).frame["notes"]
    joined = " ".join(masked)
    for term in ("diabetes", "metformin", "asthme", "depressie"):
        assert term not in joined
    # the span is the term of the original text (accents and case kept), replaced by its token
    assert token_for("asthme", KEY, "HEALTH") in joined
    assert "Follow-up for HEALTH_" in joined and "Called back about the appointment time." in joined
