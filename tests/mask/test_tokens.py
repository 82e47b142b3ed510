"""Keyed pseudonyms: deterministic per key, join-preserving, irreversible without the key, null-safe."""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jupyter_privacy.mask import MaskingKey, pseudonymise, token_for, tokens
from jupyter_privacy.mask.keys import MissingKeyError, load_key
from jupyter_privacy.mask.tokens import pseudonymise_column
from jupyter_privacy.policy import default_policy

KEY = MaskingKey("k" * 64, "test")
OTHER = MaskingKey("o" * 64, "test")


def test_token_is_hmac_sha256_of_the_value_under_the_key() -> None:
    digest = hmac.new(KEY.secret.encode(), b"alice@example.org", hashlib.sha256).hexdigest()
    assert token_for("alice@example.org", KEY, "EMAIL_ADDRESS") == f"EMAIL_{digest[:16]}@masked.invalid"


def test_same_value_same_token_across_tables_and_case_insensitive_emails() -> None:
    a = pseudonymise(pd.Series(["Alice@Example.org", "bob@example.org", None]), "EMAIL_ADDRESS", KEY)
    b = pseudonymise(pd.Series(["bob@example.org", " alice@example.org "]), "EMAIL_ADDRESS", KEY)
    assert a[0] == b[1] and a[1] == b[0]
    assert pd.isna(a[2])
    joined = pd.DataFrame({"k": a, "x": [1, 2, 3]}).merge(pd.DataFrame({"k": b, "y": [10, 20]}), on="k")
    assert sorted(joined["y"]) == [10, 20]


def test_different_key_different_tokens_and_no_raw_value_left() -> None:
    raw = pd.Series([f"person{i}@example.org" for i in range(50)])
    masked = pseudonymise(raw, "EMAIL_ADDRESS", KEY)
    assert not set(masked) & set(pseudonymise(raw, "EMAIL_ADDRESS", OTHER))
    assert not set(raw) & set(masked)
    assert all(KEY.secret not in t for t in masked)
    assert masked.str.fullmatch(r"EMAIL_[0-9a-f]{16}@masked\.invalid").all()


def test_vectorised_tokens_equal_the_single_value_form() -> None:
    values = ["+31 6 12345678", "Jan Jansen", "4111111111111111"]
    masked = pseudonymise(pd.Series(values), "PHONE_NUMBER", KEY)
    assert list(masked) == [token_for(v, KEY, "PHONE_NUMBER") for v in values]


@pytest.mark.parametrize(
    "value",
    [
        "ΟΔΥΣΣΕΥΣ@ΠΑΡΑΔΕΙΓΜΑ.GR",
        "İSTANBUL@ÖRNEK.COM.TR",
        "\u1c89x@EXAMPLE.ORG",
        "\u3000Zoë@X.org\u2029",
        " A@B.C\t",
    ],
)
@pytest.mark.parametrize("entity", ["EMAIL_ADDRESS", "PERSON"])
def test_the_single_value_form_normalises_as_arrow_does(value: str, entity: str) -> None:
    """A span in free text, an erasure look-up and a label get the token the column gets: Python's
    lower() would write a final sigma as ς and İ as i + U+0307, and misses capitals newer than its tables."""
    column = pseudonymise(pd.Series(pd.array([value], dtype="str")), entity, KEY)
    assert token_for(value, KEY, entity) == column[0]


@pytest.mark.parametrize(
    "series",
    [
        pd.Series([4111111111111111, 5500000000000004], dtype="int64"),
        pd.Series([4111111111111111.0, np.nan]),
        pd.Series([1.5, np.nan, 2.25, np.nan]),  # missing values of a fractional column stay missing
        pd.Series([np.nan, np.nan]),
        pd.Series(["x", None, "x"], dtype="category"),
        pd.Series([1, "x", b"y", 2.5, None], dtype=object),
        pd.Series([True, False]),
        pd.Series([], dtype="str"),
    ],
)
def test_odd_dtypes_keep_length_index_and_nulls(series: pd.Series) -> None:
    series.index = range(10, 10 + len(series))
    out = pseudonymise(series, "X", KEY)
    assert len(out) == len(series) and list(out.index) == list(series.index)
    assert list(out.isna()) == list(series.isna())


def test_integral_floats_token_like_their_integers() -> None:
    ints = pseudonymise(pd.Series([4111111111111111]), "CREDIT_CARD", KEY)
    floats = pseudonymise(pd.Series([4111111111111111.0, np.nan]), "CREDIT_CARD", KEY)
    assert ints[0] == floats[0]


def test_a_whole_number_keeps_its_token_beside_fractions() -> None:
    """The text of a float is decided value by value: a column with a fraction in it does not turn
    4111111111111111.0 into ``4.111111111111111e+15`` (Spark masks batch by batch and must agree)."""
    alone = pseudonymise(pd.Series([4111111111111111.0]), "CREDIT_CARD", KEY)
    beside = pseudonymise(pd.Series([4111111111111111.0, 12.5, np.nan, -0.0, 1e22]), "CREDIT_CARD", KEY)
    assert beside[0] == alone[0] == token_for("4111111111111111", KEY, "CREDIT_CARD")
    assert beside[1] == token_for("12.5", KEY, "CREDIT_CARD")
    assert pd.isna(beside[2])
    assert beside[3] == token_for("0", KEY, "CREDIT_CARD")
    assert beside[4] == token_for("1e+22", KEY, "CREDIT_CARD")  # beyond 64-bit integers: Arrow's text


@given(st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=40))
def test_tokens_are_a_function_of_the_value(values: list[str]) -> None:
    out = pseudonymise(pd.Series(values), "X", KEY)
    seen: dict[str, str] = {}
    for v, t in zip(values, out, strict=True):
        norm = v.strip()
        assert seen.setdefault(norm, t) == t


@given(st.lists(st.one_of(st.none(), st.text(max_size=12)), min_size=1, max_size=60))
def test_every_token_is_the_hmac_of_its_own_value(values: list[str | None]) -> None:
    """Every token is the HMAC of its own (normalised) value, whichever way the rows were grouped."""
    out = pseudonymise(pd.Series(values, dtype="str"), "X", KEY)
    for v, t in zip(values, out, strict=True):
        assert pd.isna(t) if v is None else t == token_for(v, KEY, "X")


def test_chunked_arrow_columns_with_nulls() -> None:
    text = pa.large_string()
    chunks = pa.chunked_array([pa.array(["a", "b", None], text), pa.array(["b", "c", "a"], text)])
    series = pd.Series(pd.arrays.ArrowStringArray(chunks, dtype=pd.StringDtype("pyarrow", na_value=np.nan)))
    expected = [token_for(v, KEY, "X") if v else None for v in ["a", "b", None, "b", "c", "a"]]
    done = pseudonymise_column(series, "X", KEY)
    assert [None if pd.isna(t) else t for t in done.series] == expected
    # one digest per distinct value, none for the nulls
    assert sorted(done.digests) == sorted({int(t[2:18], 16) for t in expected if t})


def test_large_columns_hashed_in_two_chunks_give_the_same_tokens() -> None:
    n = 2 * tokens.HMAC_SPLIT + 7  # enough distinct values for the two-chunk HMAC path
    values = [f" Person{i}@Example.org" for i in range(n)] * 2 + [None]
    done = pseudonymise_column(pd.Series(values, dtype="str"), "EMAIL_ADDRESS", KEY)
    assert len(done.digests) == n and done.series.isna().sum() == 1
    for i in [0, 1, tokens.HMAC_SPLIT - 1, tokens.HMAC_SPLIT, n - 1, n, 2 * n - 1]:
        assert done.series[i] == token_for(values[i] or "", KEY, "EMAIL_ADDRESS")


def test_non_ascii_entity_names_keep_fixed_width_tokens() -> None:
    out = pseudonymise(pd.Series(["x", "y", None, "x"]), "NÚMERO", KEY)
    assert out[0] == out[3] == token_for("x", KEY, "NÚMERO") and out[1] == token_for("y", KEY, "NÚMERO")
    assert pd.isna(out[2])


def test_key_repr_and_str_never_show_the_secret() -> None:
    assert KEY.secret not in repr(KEY) and KEY.secret not in str(KEY)
    assert KEY.key_id.startswith("kid-") and len(KEY.key_id) == 20


def test_missing_and_short_keys_are_clear_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JUPYTER_PRIVACY_KEY", raising=False)
    with pytest.raises(MissingKeyError, match=r"JUPYTER_PRIVACY_KEY.*jupyter-privacy key generate"):
        load_key(default_policy())
    monkeypatch.setenv("JUPYTER_PRIVACY_KEY", "short")
    with pytest.raises(MissingKeyError, match="too short") as err:
        load_key(default_policy())
    assert "short" not in str(err.value).replace("too short", "")
