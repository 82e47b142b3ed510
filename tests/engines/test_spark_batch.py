"""The executors' batch masking (no Spark needed): tokens equal the pandas path's, batch after batch,
whatever the token cache holds -- including when every value collides in it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from jupyter_privacy.engines.spark import batch
from jupyter_privacy.mask.keys import MaskingKey
from jupyter_privacy.mask.tokens import pseudonymise

KEY = MaskingKey("c0ffee" * 8)


def _values(n: int, seed: int) -> list[str | None]:
    rng = np.random.default_rng(seed)
    people = [f"Person.{i}@Example.org" for i in range(n // 3)]
    tricky = [
        "",
        " padded@example.org ",
        "PADDED@example.org",
        "Zoë.Ünïcode@exämple.de",
        "\u00a0nbsp@example.org",
    ]
    out: list[str | None] = [people[i] for i in rng.integers(0, len(people), n)]
    for i, value in enumerate([*tricky, None, None]):
        out[i * 7] = value
    return out


def _by_pandas(values: list[str | None], entity: str) -> list[str | None]:
    series = pd.Series(pd.array(values, dtype=pd.StringDtype("pyarrow", na_value=np.nan)))
    return [None if pd.isna(v) else v for v in pseudonymise(series, entity, KEY)]


def _by_batches(values: list[str | None], entity: str, size: int) -> list[str | None]:
    arr = pa.array(values, pa.string())
    return [
        v
        for start in range(0, len(arr), size)
        for v in batch.pseudonymise_batch(arr.slice(start, size), entity, KEY, pa.string()).to_pylist()
    ]


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    batch._CACHES.clear()


@pytest.mark.parametrize("entity", ["EMAIL_ADDRESS", "PERSON"])
def test_batches_give_the_pandas_tokens(entity: str) -> None:
    values = _values(60_000, 1)
    expected = _by_pandas(values, entity)
    assert _by_batches(values, entity, 10_000) == expected
    assert _by_batches(values, entity, 7_000) == expected  # second pass: answered from the cache
    assert sum(len(c.values) for c in batch._CACHES.values()) > 0


def test_colliding_hashes_never_give_a_wrong_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "_hash64", lambda values: np.zeros(len(values), dtype=np.uint64))
    values = _values(30_000, 2)
    expected = _by_pandas(values, "EMAIL_ADDRESS")
    assert _by_batches(values, "EMAIL_ADDRESS", 5_000) == expected
    assert _by_batches(values, "EMAIL_ADDRESS", 5_000) == expected


def test_a_full_cache_starts_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "CACHE_LIMIT", 25_000)
    monkeypatch.setattr(batch, "MERGE_AT", 1_000)
    values = _values(90_000, 3)
    assert _by_batches(values, "PERSON", 9_000) == _by_pandas(values, "PERSON")
    assert all(len(c.values) <= 25_000 for c in batch._CACHES.values())


def test_non_string_columns_use_the_pandas_text_conversion() -> None:
    numbers = pa.array([4111111111111111, None, 5500000000000004, 4111111111111111], pa.int64())
    expected = pseudonymise(
        pd.Series([4111111111111111, None, 5500000000000004, 4111111111111111]), "CREDIT_CARD", KEY
    )
    got = batch.pseudonymise_batch(numbers, "CREDIT_CARD", KEY, pa.string()).to_pylist()
    assert got == [None if pd.isna(v) else v for v in expected]


@pytest.mark.parametrize("values", [pa.array([None, None], pa.float64()), pa.array([1.5, None], pa.float64())])
def test_a_batch_of_missing_numbers_stays_missing(values: pa.Array) -> None:
    """A batch whose numbers are all missing (or missing beside fractions) keeps them missing, as the
    pandas path does: never one shared pseudonym of the text "nan"."""
    out = batch.pseudonymise_batch(values, "US_SSN", KEY, pa.string())
    assert out.is_null().to_pylist() == values.is_null().to_pylist()
