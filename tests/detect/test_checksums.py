"""Property tests for the BSN (11-proef) and NIR (mod-97 key) check-digit functions."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from jupyter_privacy.detect.checksums import bsn_valid, nir_valid

WEIGHTS = range(9, 1, -1)


def bsn_check_digit(first8: list[int]) -> int | None:
    """The 9th digit that makes the 11-proef hold, or None when no digit can (remainder 10)."""
    total = sum(d * w for d, w in zip(first8, WEIGHTS, strict=True))
    check = total % 11
    # remainder 10 has no check digit; a weighted sum below 11 would make the 11-proef total 0
    return None if check == 10 or total < 11 else check


bsn_prefix = st.lists(st.integers(0, 9), min_size=8, max_size=8).filter(lambda ds: any(ds))


@st.composite
def valid_bsns(draw: st.DrawFn) -> str:
    first8 = draw(bsn_prefix)
    check = bsn_check_digit(first8)
    assume(check is not None)
    return "".join(map(str, first8)) + str(check)


@given(valid_bsns())
def test_bsn_with_correct_check_digit_validates(bsn: str) -> None:
    assert bsn_valid(bsn)


@given(valid_bsns())
def test_bsn_printed_with_separators_validates(bsn: str) -> None:
    assert bsn_valid(f"{bsn[:4]}.{bsn[4:6]}.{bsn[6:]}")
    assert bsn_valid(f"{bsn[:3]} {bsn[3:6]} {bsn[6:]}")


@given(valid_bsns(), st.integers(0, 8), st.integers(1, 9))
def test_bsn_single_digit_change_is_rejected(bsn: str, position: int, delta: int) -> None:
    digits = list(bsn)
    digits[position] = str((int(digits[position]) + delta) % 10)
    assert not bsn_valid("".join(digits))


def test_bsn_all_zeros_is_not_a_bsn() -> None:
    assert not bsn_valid("000000000")
    assert not bsn_valid("00000000")
    assert not bsn_valid("000000012")  # 11-proef total 0, like all zeros


def test_bsn_known_examples() -> None:
    assert bsn_valid("111222333")
    assert bsn_valid("123456782")
    assert not bsn_valid("123456789")
    assert not bsn_valid("12345678")  # 8 digits: implied leading zero, 11-proef fails
    assert not bsn_valid("1234567820")  # 10 digits


def nir_key(body: str) -> int:
    numeric = body.replace("2A", "19", 1) if body[5:7] == "2A" else body
    numeric = numeric[:5] + "18" + numeric[7:] if body[5:7] == "2B" else numeric
    return 97 - int(numeric) % 97


@st.composite
def nir_bodies(draw: st.DrawFn) -> str:
    sex = draw(st.sampled_from("12"))
    year = draw(st.integers(0, 99))
    month = draw(st.integers(1, 12))
    dept = draw(st.one_of(st.sampled_from(["2A", "2B"]), st.integers(1, 95).map(lambda d: f"{d:02d}")))
    commune = draw(st.integers(1, 999))
    order = draw(st.integers(1, 999))
    return f"{sex}{year:02d}{month:02d}{dept}{commune:03d}{order:03d}"


@given(nir_bodies())
def test_nir_with_correct_key_validates(body: str) -> None:
    assert nir_valid(f"{body}{nir_key(body):02d}")
    # as printed on the carte Vitale: spaces between the groups
    key = f"{nir_key(body):02d}"
    assert nir_valid(f"{body[0]} {body[1:3]} {body[3:5]} {body[5:7]} {body[7:10]} {body[10:13]} {key}")


@given(nir_bodies(), st.integers(1, 96))
def test_nir_with_wrong_key_fails(body: str, offset: int) -> None:
    wrong = (nir_key(body) + offset - 1) % 97 + 1  # any key in 1..97 except the right one
    assume(wrong != nir_key(body))
    assert not nir_valid(f"{body}{wrong:02d}")


@given(st.sampled_from(["2A", "2B"]), st.integers(1, 999), st.integers(1, 999))
def test_nir_corsica_departments(dept: str, commune: int, order: int) -> None:
    body = f"18506{dept}{commune:03d}{order:03d}"
    key = nir_key(body)
    assert nir_valid(f"{body}{key:02d}")
    assert nir_valid(f"{body.lower()}{key:02d}")
    # the same digits with the other Corsican department give a different key
    other = body[:5] + ("2B" if dept == "2A" else "2A") + body[7:]
    assert not nir_valid(f"{other}{key:02d}")


def test_nir_known_example() -> None:
    # 1 84 12 76 451 089, key 46 (widely published specimen)
    body = "1841276451089"
    assert nir_valid(body + f"{nir_key(body):02d}")
    assert not nir_valid("184127645108999")
    assert not nir_valid("584127645108946")  # sex digit 5 does not exist
    assert not nir_valid("18412764510894")  # 14 characters


@settings(max_examples=300)
@given(st.text())
def test_checksum_functions_never_raise_on_arbitrary_text(text: str) -> None:
    assert bsn_valid(text) in (True, False)
    assert nir_valid(text) in (True, False)


@given(st.from_regex(r"[0-9 .\-A-Ba-b]{0,20}", fullmatch=True))
def test_checksum_functions_never_raise_on_digit_like_text(text: str) -> None:
    assert isinstance(bsn_valid(text), bool)
    assert isinstance(nir_valid(text), bool)
