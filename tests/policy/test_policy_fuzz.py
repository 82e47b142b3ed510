"""Whatever bytes a policy file holds, loading ends in a Policy or a PolicyError, never a crash."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from jupyter_privacy.policy import Policy, PolicyError, parse_policy

EXAMPLE = (Path(__file__).resolve().parents[2] / "examples" / "privacy_policy.yaml").read_bytes()


def _outcome(data: bytes) -> None:
    try:
        assert isinstance(parse_policy(data, "fuzz.yaml"), Policy)
    except PolicyError as exc:
        assert exc.problems
        assert all(p.message and p.hint for p in exc.problems)
        assert str(exc).startswith("invalid privacy policy fuzz.yaml")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes(data: bytes) -> None:
    _outcome(data)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=len(EXAMPLE)), st.binary(min_size=1, max_size=8))
def test_corrupted_example(position: int, junk: bytes) -> None:
    _outcome(EXAMPLE[:position] + junk + EXAMPLE[position:])


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=len(EXAMPLE) - 1))
def test_truncated_example(position: int) -> None:
    _outcome(EXAMPLE[:position])
