"""Fixtures for the server extension: a jupyter_server with jupyter_privacy, a policy and a filled log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pytest_jupyter.jupyter_core import *  # noqa: F403  (fixtures and the async test runner hook)
from pytest_jupyter.jupyter_server import *  # noqa: F403

from jupyter_privacy.ledger import SqliteLedgerStore

EXAMPLE_POLICY = Path(__file__).resolve().parents[2] / "examples" / "privacy_policy.yaml"
POLICY_SHA = "0" * 64


@pytest.fixture
def privacy_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "privacy"
    folder.mkdir()
    return folder


@pytest.fixture
def policy_file(privacy_dir: Path) -> Path:
    """The example policy with its log in the test's temporary folder."""
    store = privacy_dir / "ledger.sqlite3"
    text = EXAMPLE_POLICY.read_text().replace(
        "path: ~/.local/share/jupyter-privacy/ledger.sqlite3", f"path: {store}"
    )
    assert str(store) in text
    target = privacy_dir / "privacy_policy.yaml"
    target.write_text(text)
    return target


@pytest.fixture
def store_path(privacy_dir: Path) -> Path:
    return privacy_dir / "ledger.sqlite3"


@pytest.fixture
def jp_server_config(policy_file: Path, privacy_dir: Path) -> dict[str, Any]:
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_privacy": True}},
        "JupyterPrivacy": {
            "policy_path": str(policy_file),
            "alias_path": str(privacy_dir / "aliases.json"),
            "poll_interval": 7.5,
        },
    }


def write_notebook(root: Path, api_path: str) -> Path:
    path = root / api_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


LOADED_PAYLOAD: dict[str, Any] = {
    "dataset": "ds-abc123abc123",
    "source": "/data/customers.csv",
    "content_sha256": "a" * 64,
    "shape": [200, 4],
    "variable": "customers",
    "sampled_rows": 200,
    "findings": [
        {
            "name": "email",
            "dtype": "str",
            "category": "direct",
            "entities": ["EMAIL_ADDRESS"],
            "score": 0.98,
            "coverage": 0.97,
            "reasons": [],
        },
        {
            "name": "diagnosis",
            "dtype": "str",
            "category": "special",
            "entities": ["HEALTH"],
            "score": 0.9,
            "coverage": None,
            "special_category": "HEALTH",
            "reasons": [],
        },
        {
            "name": "date_of_birth",
            "dtype": "str",
            "category": "quasi",
            "entities": ["DATE_OF_BIRTH"],
            "score": 0.85,
            "coverage": 1.0,
            "reasons": [],
        },
        {
            "name": "amount",
            "dtype": "float64",
            "category": "none",
            "entities": [],
            "score": 0.0,
            "coverage": None,
            "reasons": [],
        },
    ],
    "masking": {
        "key_id": "k-1234",
        "columns": [
            {
                "column": "email",
                "category": "direct",
                "entities": ["EMAIL_ADDRESS"],
                "strategy": "pseudonymise",
                "detail": "keyed HMAC token",
            },
            {
                "column": "diagnosis",
                "category": "special",
                "entities": ["HEALTH"],
                "strategy": "redact",
                "detail": "redacted",
            },
            {
                "column": "date_of_birth",
                "category": "quasi",
                "entities": ["DATE_OF_BIRTH"],
                "strategy": "generalise",
                "detail": "year",
            },
        ],
    },
    "reidentification": {
        "quasi_identifiers": ["date_of_birth"],
        "rows": 200,
        "unique_rows": 12,
        "unique_share": 0.06,
        "k": 1,
    },
}


def log_session(store: Path, notebook: str, kernel: str = "kernel-1") -> None:
    """A realistic session: start, load, purpose, an unmask grant, an output and a model."""
    with SqliteLedgerStore(store) as ledger:

        def add(event: str, payload: dict[str, Any], cell: str | None, count: int | None) -> None:
            ledger.append(
                notebook,
                event,
                payload,
                kernel_id=kernel,
                cell_id=cell,
                execution_count=count,
                policy_sha256=POLICY_SHA,
            )

        add(
            "session_start",
            {"policy_source": "test", "policy_default": False, "enforcement": "enforce", "key_id": "k-1234"},
            "c0",
            1,
        )
        add("dataset_loaded", LOADED_PAYLOAD, "c1", 2)
        add(
            "purpose_declared",
            {
                "purpose": "churn-model",
                "description": "Predict churn",
                "lawful_basis": "legitimate_interest",
                "reference": "LIA-2026-014",
                "art9_condition": None,
                "declared_at": "2026-11-23T00:00:00+00:00",
            },
            "c2",
            3,
        )
        add(
            "unmask_granted",
            {
                "dataset": "ds-abc123abc123",
                "columns": [{"name": "email", "category": "direct", "entities": ["EMAIL_ADDRESS"]}],
                "purpose": "churn-model",
                "lawful_basis": "legitimate_interest",
                "reference": "LIA-2026-014",
                "art9_condition": None,
                "enforcement": "enforce",
                "reason": None,
            },
            "c3",
            4,
        )
        add(
            "output_written",
            {
                "path": "/out/scores.csv",
                "sha256": "b" * 64,
                "kind": "file",
                "via": "to_csv",
                "datasets": ["ds-abc123abc123"],
                "columns": ["email"],
            },
            "c4",
            5,
        )
        add(
            "model_trained",
            {
                "model_class": "sklearn.linear_model.LogisticRegression",
                "variable": "model",
                "datasets": ["ds-abc123abc123"],
                "columns": ["amount"],
                "rows": 200,
            },
            "c4",
            5,
        )


@pytest.fixture
def notebook(jp_root_dir: Path) -> Any:
    """Factory: create an empty notebook at an API path under the server root; returns its OS path."""
    return lambda api_path: write_notebook(jp_root_dir, api_path)


@pytest.fixture
def session_log(store_path: Path) -> Any:
    """Factory: log a realistic kernel session for a notebook OS path."""
    return lambda notebook, kernel="kernel-1": log_session(store_path, str(notebook), kernel)
