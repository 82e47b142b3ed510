"""Processing log ("ledger"): append-only, hash-chained per notebook, with pluggable storage.

A plain library (no IPython, no tornado). The kernel and server layers append and read through
:class:`LedgerStore`; :func:`open_store` picks the backend named by the policy's ``log.store``.
See docs/ledger.md for the record format, the hash formula and what verification can and cannot prove.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from .records import (
    DATASET_LOADED,
    EVENT_NAME_RE,
    GENESIS_HASH,
    KNOWN_EVENTS,
    MODEL_TRAINED,
    OUTPUT_WRITTEN,
    PURPOSE_DECLARED,
    RECORD_EXPORTED,
    RECORD_FIELDS,
    SESSION_START,
    UNMASK_DENIED,
    UNMASK_GRANTED,
    LedgerRecord,
    canonical_json,
    compute_hash,
)
from .sqlite_store import SqliteLedgerStore
from .store import HeadPointer, LedgerError, LedgerStore, RawRecord
from .verify import ChainProblem, ChainReport, verify_all, verify_chain

if TYPE_CHECKING:
    from ..policy import LoadedPolicy, Policy
    from ..policy.model import LogSettings


def _open_sqlite(policy: Policy, readonly: bool) -> LedgerStore:
    return SqliteLedgerStore(policy.log.resolved_path(), readonly=readonly)


def postgres_dsn(log: LogSettings) -> str:
    """The connection string of a PostgreSQL log, from the variable the policy names (``log.dsn_env``)."""
    env = log.dsn_env
    dsn = os.environ.get(env, "").strip()
    if not dsn:
        raise LedgerError(
            f"the policy keeps the processing log in PostgreSQL, but the environment variable {env} "
            "(log.dsn_env) is not set",
            "policy field log.dsn_env",
            f"set {env} to the connection string your administrator gave you (it is never written to the "
            "policy or the log)",
        )
    return dsn


def _open_postgresql(policy: Policy, readonly: bool) -> LedgerStore:
    from .postgres_store import PostgresLedgerStore

    dsn = postgres_dsn(policy.log)
    return PostgresLedgerStore(
        dsn, readonly=readonly, label=f"PostgreSQL (connection string from ${policy.log.dsn_env})"
    )


STORE_BACKENDS: dict[str, Callable[[Policy, bool], LedgerStore]] = {
    "sqlite": _open_sqlite,
    "postgresql": _open_postgresql,
}
"""``policy.log.store`` value -> factory(policy, readonly). Add an entry to support another backend."""


def open_store(policy: Policy | LoadedPolicy, *, readonly: bool = False) -> LedgerStore:
    """Open the store the policy configures (``log.store``, ``log.path``). Accepts a LoadedPolicy too.

    Raises :class:`LedgerError` when the backend is unknown or the store cannot be opened.
    """
    from ..policy import LoadedPolicy

    pol = policy.policy if isinstance(policy, LoadedPolicy) else policy
    backend = pol.log.store
    factory = STORE_BACKENDS.get(backend)
    if factory is None:
        raise LedgerError(
            f"unknown processing log store {backend!r}",
            "policy field log.store",
            f"use one of: {', '.join(sorted(STORE_BACKENDS))}",
        )
    return factory(pol, readonly)


__all__ = [
    "DATASET_LOADED",
    "EVENT_NAME_RE",
    "GENESIS_HASH",
    "KNOWN_EVENTS",
    "MODEL_TRAINED",
    "OUTPUT_WRITTEN",
    "PURPOSE_DECLARED",
    "RECORD_EXPORTED",
    "RECORD_FIELDS",
    "SESSION_START",
    "STORE_BACKENDS",
    "UNMASK_DENIED",
    "UNMASK_GRANTED",
    "ChainProblem",
    "ChainReport",
    "HeadPointer",
    "LedgerError",
    "LedgerRecord",
    "LedgerStore",
    "RawRecord",
    "SqliteLedgerStore",
    "canonical_json",
    "compute_hash",
    "open_store",
    "postgres_dsn",
    "verify_all",
    "verify_chain",
]
