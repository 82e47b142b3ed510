"""Check-digit algorithms for national identifiers that presidio-analyzer has no recogniser for.

Cards (Luhn), IBAN (mod 97), UK NHS (mod 11) and DE tax id (ISO 7064) are validated by presidio's own
recognisers; these cover the Dutch BSN and the French NIR.

Each function takes the identifier as printed (spaces, dashes and dots are ignored) and returns True
only when the structure and the check digit are both right. They never raise on odd input.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s.\-]")


def _compact(value: str) -> str:
    return _SEPARATORS.sub("", value)


def bsn_valid(value: str) -> bool:
    """Dutch citizen service number (BSN): 9 digits (8 with an implied leading zero), 11-proef.

    Weights 9..2 for the first eight digits and -1 for the last; the sum must be a multiple of 11
    and not zero (000000000 is not a BSN).
    """
    digits = _compact(value)
    if not digits.isdigit() or len(digits) not in (8, 9):
        return False
    digits = digits.zfill(9)
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - int(digits[8])
    return total != 0 and total % 11 == 0


def nir_valid(value: str) -> bool:
    """French social security number (NIR / numéro INSEE): 13 characters + 2-digit key.

    The key is ``97 - (number mod 97)``; Corsican departments 2A/2B are replaced by 19/18 for the
    computation. The first digit is the sex (1, 2, or 3/4/7/8 for provisional numbers).
    """
    compact = _compact(value).upper()
    if len(compact) != 15 or compact[0] not in "123478":
        return False
    body, key = compact[:13], compact[13:]
    if not key.isdigit():
        return False
    if body[5:7] == "2A":
        body = body[:5] + "19" + body[7:]
    elif body[5:7] == "2B":
        body = body[:5] + "18" + body[7:]
    if not body.isdigit():
        return False
    month = int(body[3:5])
    if not (1 <= month <= 12 or 20 <= month <= 42 or 50 <= month <= 99):
        return False
    return 97 - int(body) % 97 == int(key)
