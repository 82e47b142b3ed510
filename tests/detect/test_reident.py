"""The re-identification figure: one hash pass per column and one count must give exactly what a chain
of factorisations (the implementation it replaced, kept here as the reference) gives."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from jupyter_privacy.detect import scan_dataframe
from jupyter_privacy.detect.reident import Grouping, _worker, column_codes, group_sizes, reidentification
from jupyter_privacy.policy import default_policy


def reference(df: pd.DataFrame, positions: Sequence[int]) -> tuple[int, int]:
    """(unique rows, k) by re-factorising the combined group id after every column."""
    group = np.zeros(len(df), dtype=np.int64)
    for position in positions:
        codes, uniques = pd.factorize(df.iloc[:, position], use_na_sentinel=True)
        group = group * (len(uniques) + 1) + codes.astype(np.int64) + 1
        group, _ = pd.factorize(group)
        group = group.astype(np.int64)
    sizes = np.bincount(group)
    return int((sizes[group] == 1).sum()), int(sizes.min())


def chunked_strings(values: list[str | None], pieces: int) -> pd.Series:
    """An Arrow string column split into several chunks, as ``read_csv`` returns them."""
    bounds = np.linspace(0, len(values), pieces + 1).astype(int)
    chunks = [pa.array(values[a:b], type=pa.large_string()) for a, b in itertools.pairwise(bounds)]
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(chunks)))


def random_frame(rng: np.random.Generator, rows: int) -> pd.DataFrame:
    def maybe_null(values: np.ndarray, share: float) -> list[object]:
        return [None if rng.random() < share else v for v in values.tolist()]

    words = np.array(["a", "b", "ab", "A", "é", "", "b ", "1"])
    text = maybe_null(rng.choice(words, rows), 0.1)
    floats = rng.choice([0.5, 1.0, 2.25, np.nan, -0.0, 0.0], rows)
    dates = pd.to_datetime(rng.choice(["2020-01-01", "1999-12-31", "NaT"], rows))
    mixed = rng.choice(np.array([1, "1", 2.5, None, "x", b"x"], dtype=object), rows)
    return pd.DataFrame(
        {
            "str": pd.Series(text, dtype="str"),
            "object_text": pd.Series(text, dtype=object),
            "arrow": pd.Series(text, dtype=pd.ArrowDtype(pa.string())),
            "chunked": chunked_strings(maybe_null(rng.choice(words, rows), 0.2), 3),
            "int": rng.integers(0, 4, rows),
            "nullable_int": pd.array(maybe_null(rng.integers(0, 3, rows), 0.2), dtype="Int64"),
            "float": floats,
            "category": pd.Categorical(
                maybe_null(rng.choice(["x", "y", "z"], rows), 0.1), categories=list("xyzw")
            ),
            "bool": rng.random(rows) < 0.5,
            "date": dates,
            "mixed": mixed,
            "bytes": pd.Series(
                rng.choice([b"\x00", b"\x00\x00", b"q"], rows), dtype=pd.ArrowDtype(pa.binary())
            ),
            "all_null": pd.Series([None] * rows, dtype="str"),
        }
    )


@pytest.mark.parametrize("seed", range(6))
def test_equal_to_the_chain_of_factorisations(seed: int) -> None:
    rng = np.random.default_rng(seed)
    df = random_frame(rng, int(rng.integers(1, 400)))
    for _ in range(20):
        width = int(rng.integers(1, df.shape[1] + 1))
        positions = [int(p) for p in rng.choice(df.shape[1], width, replace=False)]
        reid = reidentification(df, positions, [str(df.columns[p]) for p in positions])
        assert reid is not None
        assert (reid.unique_rows, reid.k) == reference(df, positions), positions


def test_nulls_form_a_group_of_their_own() -> None:
    df = pd.DataFrame({"a": ["x", None, None, "x", np.nan], "b": pd.Series([1.0, np.nan, np.nan, 1.0, None])})
    reid = reidentification(df, [0, 1], ["a", "b"])
    assert reid is not None
    assert (reid.unique_rows, reid.k) == (0, 2)  # (x, 1.0) twice; (null, null) three times


def test_many_distinct_columns_renumber_before_the_ids_overflow() -> None:
    rng = np.random.default_rng(7)
    rows = 5_000
    df = pd.DataFrame({f"c{i}": rng.integers(0, 2_000, rows).astype(str) for i in range(8)})
    df.iloc[:10] = df.iloc[10:20].to_numpy()  # some repeated rows, so k is not 1 everywhere
    positions = list(range(8))
    reid = reidentification(df, positions, [str(c) for c in df.columns])
    assert reid is not None
    assert (reid.unique_rows, reid.k) == reference(df, positions)
    assert reid.unique_rows == rows - 20


def test_dense_and_sparse_counting_agree() -> None:
    codes = np.array([0, 3, 3, 7, 0, 0], dtype=np.int64)
    dense = group_sizes([(codes, 8)], len(codes))  # 8 ids <= 4 x 6 rows: bincount
    sparse = group_sizes([(codes, 1 << 40)], len(codes))  # a wide id range: sort and count
    assert sorted(dense.tolist()) == sorted(sparse.tolist()) == [1, 2, 3]


def test_arrow_text_codes_match_pandas() -> None:
    column = chunked_strings(["b", None, "a", "b", None, "c", "a"], 3)
    codes, count = column_codes(column)
    assert count == 4  # a, b, c and null
    expected, _ = pd.factorize(column.astype(object), use_na_sentinel=True)
    assert pd.factorize(codes)[0].tolist() == pd.factorize(expected)[0].tolist()


def test_grouping_follows_the_final_quasi_identifiers() -> None:
    """Columns handed over during the scan may be dropped by the table verdict, others added."""
    rng = np.random.default_rng(3)
    df = random_frame(rng, 300)
    grouping = Grouping(df)
    for position in (0, 4, 6, 9):
        grouping.add(position)
    reid = grouping.result([4, 9, 10], ["int", "date", "mixed"])
    assert reid is not None
    assert reid.quasi_identifiers == ["int", "date", "mixed"]
    assert (reid.unique_rows, reid.k) == reference(df, [4, 9, 10])


def test_an_error_hashing_a_column_is_raised_not_swallowed() -> None:
    class Unhashable:
        __hash__ = None  # type: ignore[assignment]

        def __eq__(self, other: object) -> bool:
            raise RuntimeError("no comparison")

    df = pd.DataFrame({"weird": pd.Series([Unhashable(), Unhashable()], dtype=object)})
    grouping = Grouping(df)
    grouping.add(0)
    with pytest.raises(TypeError):
        grouping.result([0], ["weird"])


def test_no_quasi_identifiers_or_no_rows() -> None:
    assert reidentification(pd.DataFrame({"a": [1]}), [], []) is None
    assert reidentification(pd.DataFrame({"a": []}), [0], ["a"]) is None


def test_scan_counts_only_the_final_quasi_identifiers() -> None:
    """`age` is hashed from the start (its header names a quasi-identifier) but holds fractions, so it
    is not one; the figure must be over `gender` and `postcode` alone."""
    rng = np.random.default_rng(11)
    rows = 2_000
    df = pd.DataFrame(
        {
            "gender": rng.choice(["female", "male"], rows),
            "age": rng.random(rows).round(3),  # a share, not an age
            "postcode": rng.choice([f"{n:04d} AB" for n in range(1000, 1300)], rows),
            "amount": rng.random(rows),
        }
    )
    result = scan_dataframe(df, _policy())
    assert result["age"].category == "none"
    reid = result.reidentification
    assert reid is not None and reid.quasi_identifiers == ["gender", "postcode"]
    assert (reid.unique_rows, reid.k) == reference(df, [0, 2])


def _policy():  # type: ignore[no-untyped-def]
    base = default_policy()
    return base.model_copy(update={"detection": base.detection.model_copy(update={"ner_model": "none"})})


def _worker_idle() -> None:
    """Wait until the worker has run every task handed to it so far (one at a time, in order)."""
    _worker().submit(lambda: None).result()


# (columns handed over during the scan, final quasi-identifiers) of random_frame
SPECULATIONS = [
    ([0, 4, 7, 10], [0, 4, 7, 10]),  # the guess holds: text, int, categorical, mixed objects
    ([0, 4, 7, 10], [10, 4]),  # the verdict drops two
    ([1, 6], [1, 6, 9, 12]),  # it adds a date and an all-null column
    ([2, 3], [5, 8, 11]),  # none in common: nullable int, bool, bytes
    ([0, 1, 2, 3, 5, 6, 7, 9, 10, 11], [0, 1, 2, 3, 5, 6, 7, 9, 10, 11]),  # ids too wide to bincount
    ([12], [12]),  # all null: one group
]


@pytest.mark.parametrize("worker_done", [True, False], ids=["guess-counted", "guess-pending"])
@pytest.mark.parametrize(("handed", "final"), SPECULATIONS)
def test_the_figure_is_that_of_the_final_columns_whatever_was_guessed(
    handed: list[int], final: list[int], worker_done: bool
) -> None:
    rng = np.random.default_rng(len(handed) * 100 + sum(final))
    df = random_frame(rng, 600)
    grouping = Grouping(df)
    for position in handed:
        grouping.add(position)
    if worker_done:
        _worker_idle()
    reid = grouping.result(final, [str(df.columns[p]) for p in final])
    assert reid is not None
    assert (reid.unique_rows, reid.k) == reference(df, final), (handed, final)


def test_the_worker_counts_the_columns_handed_over_and_result_takes_that_count() -> None:
    rng = np.random.default_rng(5)
    df = random_frame(rng, 800)
    grouping = Grouping(df)
    for position in (0, 7, 10):
        grouping.add(position)
    _worker_idle()
    guess = grouping._guess  # the worker's count of the three columns, finished before result()
    assert guess is not None and guess[0] == {0, 7, 10}
    counted = guess[1].result()
    assert counted is not None and counted.sum() == len(df)
    reid = grouping.result([10, 0, 7], ["mixed", "str", "category"])
    assert reid is not None
    assert (reid.unique_rows, reid.k) == (int((counted == 1).sum()), int(counted.min()))
    assert (reid.unique_rows, reid.k) == reference(df, [0, 7, 10])


def test_a_guess_over_columns_that_need_renumbering() -> None:
    """Eight columns of 2,000 values each pass the 64-bit id range: the worker renumbers on the way."""
    rng = np.random.default_rng(8)
    rows = 5_000
    df = pd.DataFrame({f"c{i}": rng.integers(0, 2_000, rows).astype(str) for i in range(8)})
    df.iloc[:10] = df.iloc[10:20].to_numpy()
    grouping = Grouping(df)
    for position in range(8):
        grouping.add(position)
    _worker_idle()
    reid = grouping.result(list(range(8)), list(df.columns))
    assert reid is not None
    assert (reid.unique_rows, reid.k) == reference(df, range(8)) == (rows - 20, 1)


def test_scan_adds_a_quasi_identifier_found_by_its_values() -> None:
    """`dob` and `gender` are hashed from the start; `pc` (postcodes under a header that says nothing)
    becomes a quasi-identifier only when its values are classified, so the guess grows."""
    rng = np.random.default_rng(12)
    rows = 3_000
    df = pd.DataFrame(
        {
            "email": [f"p{i}@example.org" for i in range(rows)],
            "pc": rng.choice(
                [f"{n:04d} {a}{b}" for n in range(1000, 1100) for a in "AB" for b in "CD"], rows
            ),
            "dob": pd.to_datetime(rng.integers(0, 15_000, rows), unit="D").strftime("%Y-%m-%d"),
            "gender": rng.choice(["f", "m", None], rows),
        }
    )
    reid = scan_dataframe(df, _policy()).reidentification
    assert reid is not None and reid.quasi_identifiers == ["pc", "dob", "gender"]
    assert (reid.unique_rows, reid.k) == reference(df, [1, 2, 3])


def test_scan_of_an_aggregate_table_drops_the_guessed_column() -> None:
    """`city` is hashed from the start, but the rows are cells of a cross-table: no figure at all."""
    cities = ["Amsterdam", "Rotterdam", "Utrecht", "Eindhoven", "Groningen", "Tilburg", "Almere", "Breda"]
    df = pd.DataFrame(
        {
            "city": np.repeat(cities, 6),
            "year": np.tile(np.arange(2015, 2021), 8),
            "count": np.arange(48) * 7 + 3,
        }
    )
    result = scan_dataframe(df, _policy())
    assert result.table.subjects == "things" and result["city"].category == "none"
    assert result.reidentification is None
