"""Unmask of a derived frame hands out each row's OWN raw values (issue 9, item 3).

Property test through the public Python API, with the extension loaded in an IPython shell (so pandas
lineage tracking runs as in a notebook): random sequences of filters, sorts, samples, head/tail,
reset_index, set_index, column selections, merges with an ungoverned frame and concatenations of pieces
of the same dataset. The test tracks each row with a column of its own (``_truth``, not a source column,
so the alignment cannot use it); the unmasked values must be exactly the raw values of those rows, or
the unmask is refused with a reason -- never other people's values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from IPython.core.interactiveshell import InteractiveShell

import jupyter_privacy
from jupyter_privacy.kernel.errors import UnmaskDenied
from jupyter_privacy.kernel.session import current_session
from jupyter_privacy.ledger import SqliteLedgerStore

TRUTH = "_truth"
ANALYSIS = {
    "id": "analysis",
    "description": "Test purpose that may see direct and quasi identifiers.",
    "lawful_bases": ["consent"],
    "unmask": {"categories": ["direct", "quasi"]},
    "retention": "P1D",
}
REQUESTABLE = ["email", "phone", "first_name", "city", "date_of_birth", "gender", "postcode"]
# unique per row in masked form too (postcode is generalised to its prefix, so it is not)
IDENTIFYING = {"customer_id", "email", "phone", "street_address"}


@dataclass
class Fixture:
    masked: pd.DataFrame
    raw: pd.DataFrame
    orders: pd.DataFrame


@pytest.fixture(scope="module")
def loaded(
    tmp_path_factory: pytest.TempPathFactory,
    examples_dir: Path,
    policy_writer: Callable[..., tuple[Path, Path]],
    test_key: str,
) -> Iterator[Fixture]:
    workdir = tmp_path_factory.mktemp("align")
    policy, _ = policy_writer(workdir, purposes=[ANALYSIS], interception={"enabled": False})
    shell = InteractiveShell.instance()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PRIVACY_POLICY", str(policy))
        mp.setenv("JUPYTER_PRIVACY_KEY", test_key)
        mp.setenv("JUPYTER_PRIVACY_NOTEBOOK", str(workdir / "align.ipynb"))
        shell.reset(new_session=False)
        shell.run_line_magic("load_ext", "jupyter_privacy")
        try:
            masked = jupyter_privacy.load(examples_dir / "data" / "customers.csv")
            jupyter_privacy.declare_purpose("analysis", "consent")
            raw = pd.read_csv(examples_dir / "data" / "customers.csv")
            masked[TRUTH] = np.arange(len(masked))
            orders = jupyter_privacy.load(examples_dir / "data" / "orders.parquet")
            yield Fixture(masked, raw, orders)
        finally:
            shell.run_line_magic("unload_ext", "jupyter_privacy")


PLANS = ["basic", "standard", "premium"]
OPS = st.one_of(
    st.tuples(st.just("filter_plan"), st.sampled_from(PLANS)),
    st.tuples(st.just("filter_spend"), st.floats(0, 1)),
    st.tuples(
        st.just("sort"), st.sampled_from(["email", "monthly_spend", "city", "gender", "plan"]), st.booleans()
    ),
    st.tuples(st.just("sample"), st.floats(0.2, 1.0), st.integers(0, 10_000)),
    st.tuples(st.just("head"), st.integers(1, 400)),
    st.tuples(st.just("reset_index"), st.booleans()),
    st.tuples(st.just("set_index"), st.sampled_from(["customer_id", "plan", "gender", "email"])),
    st.tuples(
        st.just("project"),
        st.sets(st.sampled_from(["customer_id", "email", "plan", "city", "monthly_spend", "gender"])),
    ),
    st.tuples(st.just("merge_plans"), st.booleans()),
    st.tuples(st.just("concat_pieces"), st.floats(0, 1)),
    st.tuples(
        st.just("duplicate"),
    ),
)


def apply(df: pd.DataFrame, op: tuple[Any, ...], keep: str) -> pd.DataFrame:
    """One operation; ``keep`` (the requested column) and the truth column always stay."""
    kind = op[0]
    if kind == "filter_plan" and "plan" in df.columns:
        return df[df["plan"] == op[1]]
    if kind == "filter_spend" and "monthly_spend" in df.columns:
        return df[df["monthly_spend"] > df["monthly_spend"].quantile(op[1])]
    if kind == "sort" and op[1] in df.columns:
        return df.sort_values(op[1], ascending=op[2], kind="stable")
    if kind == "sample":
        return df.sample(frac=op[1], random_state=op[2])
    if kind == "head":
        return df.head(op[1])
    if kind == "reset_index":
        return df.reset_index(drop=op[1] or df.index.name in df.columns or df.index.name is None)
    if kind == "set_index" and op[1] in df.columns and op[1] != keep and df.index.name is None:
        return df.set_index(op[1])
    if kind == "project":
        return df[[c for c in df.columns if c in op[1] or c in (keep, TRUTH)]]
    if kind == "merge_plans" and "plan" in df.columns and "price" not in df.columns:
        plans = pd.DataFrame({"plan": PLANS, "price": [5, 9, 12]})
        return df.merge(plans, on="plan", how="left", sort=op[1])
    if kind == "concat_pieces":
        cut = int(len(df) * op[1])
        return pd.concat([df.iloc[cut:], df.iloc[:cut]])
    if kind == "duplicate":
        return pd.concat([df, df.head(5)])
    return df


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(column=st.sampled_from(REQUESTABLE), ops=st.lists(OPS, max_size=6))
def test_unmasked_values_are_the_rows_own_values(
    loaded: Fixture, column: str, ops: list[tuple[Any, ...]]
) -> None:
    derived = loaded.masked
    for op in ops:
        derived = apply(derived, op, column)
    expected = loaded.raw[column].to_numpy()[derived[TRUTH].to_numpy()]
    try:
        out = jupyter_privacy.unmask(derived, [column])
    except UnmaskDenied as exc:
        kept = (set(map(str, derived.columns)) | {str(derived.index.name)}) & IDENTIFYING
        assert not kept, f"refused although {kept} identifies every row: {exc}"
        return
    assert out[column].tolist() == expected.tolist()
    assert out.index.equals(derived.index)
    others = [c for c in derived.columns if c != column]
    pd.testing.assert_frame_equal(out[others], derived[others])


def test_the_issue_example_gets_every_premium_customer_right(loaded: Fixture) -> None:
    masked, raw = loaded.masked, loaded.raw
    sel = masked[masked.plan == "premium"].reset_index(drop=True)
    out = jupyter_privacy.unmask(sel, ["email"])
    assert out["email"].tolist() == raw.loc[raw.plan == "premium", "email"].tolist()
    assert len(out) == (raw.plan == "premium").sum() > 50


def test_rows_nothing_tells_apart_are_refused_with_the_reason(loaded: Fixture) -> None:
    only_gender = loaded.masked[["gender"]].reset_index(drop=True)
    with pytest.raises(UnmaskDenied, match=r"cannot be told apart .* different date_of_birth"):
        jupyter_privacy.unmask(
            only_gender.assign(date_of_birth=loaded.masked["date_of_birth"]), ["date_of_birth"]
        )
    session = current_session()  # the refusal is logged like a refusal by the policy
    with SqliteLedgerStore(session.policy.log.resolved_path(), readonly=True) as store:
        last = list(store.records(session.notebook))[-1]
    assert last.event == "unmask_denied" and "cannot be told apart" in last.payload["reason"]


def test_changed_values_match_no_source_row(loaded: Fixture) -> None:
    changed = loaded.masked[["customer_id", "email"]].copy()
    changed["customer_id"] = changed["customer_id"].iloc[::-1].to_numpy()  # ids moved to other rows
    with pytest.raises(UnmaskDenied, match=r"400 row\(s\) of this frame match no row of the source"):
        jupyter_privacy.unmask(changed, ["email"])


def test_set_index_column_is_used_and_the_index_column_named(loaded: Fixture) -> None:
    by_id = loaded.masked[["customer_id", "date_of_birth"]].set_index("customer_id").sort_index()
    out = jupyter_privacy.unmask(by_id, ["date_of_birth"])
    expected = loaded.raw.set_index("customer_id").sort_index()["date_of_birth"]
    assert out["date_of_birth"].tolist() == expected.tolist()
    with pytest.raises(UnmaskDenied, match=r"'customer_id'.* in this frame's index.*reset_index"):
        jupyter_privacy.unmask(by_id, ["customer_id"])


def test_merge_of_two_datasets_unmasks_a_column_only_one_of_them_has(loaded: Fixture) -> None:
    joined = loaded.orders.merge(loaded.masked, on="email").sample(frac=1, random_state=3)
    out = jupyter_privacy.unmask(joined.reset_index(drop=True), ["phone"])
    assert out["phone"].tolist() == loaded.raw["phone"].to_numpy()[joined[TRUTH].to_numpy()].tolist()
    with pytest.raises(UnmaskDenied, match=r"combines several datasets .*they are in ds-"):
        jupyter_privacy.unmask(joined, ["email"])  # the join key is in both
