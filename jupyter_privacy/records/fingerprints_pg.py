"""Erasure fingerprints in the team's PostgreSQL database, beside the processing log.

Same interface as the SQLite sidecar (:class:`~.fingerprints.FingerprintStore`): ``put``, ``get``,
``lookup``, ``count``. Filters are written only through the database function
``jupyter_privacy.put_fingerprints`` (see :mod:`jupyter_privacy.ledger.postgres_schema`), which computes
the filter's SHA-256 itself, so a notebook user can neither overwrite a filter nor store one under the hash
that a ``dataset_loaded`` record names. The DPO's role reads them with the log, for every user's loads.
Connection failures are described by their kind only (never the connection string).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..ledger.postgres_schema import SCHEMA
from ..ledger.postgres_store import _FIX_CONNECT, _psycopg, describe_pg_error
from ..ledger.store import LedgerError
from .fingerprints import BloomFilter, probe_filters


class PostgresFingerprintStore:
    """Fingerprint filters in the ``jupyter_privacy`` schema (one connection, opened at once)."""

    def __init__(
        self, dsn: str, *, readonly: bool = False, label: str = "PostgreSQL", connect_timeout: int = 5
    ) -> None:
        psycopg = _psycopg()
        self.readonly = readonly
        self._label = label
        try:
            self._conn = psycopg.connect(dsn, autocommit=True, connect_timeout=connect_timeout)
        except psycopg.Error as exc:
            raise self._error(exc, "cannot connect to the erasure fingerprints") from None

    def _error(self, exc: Exception, what: str) -> LedgerError:
        return LedgerError(f"{what}: {describe_pg_error(exc)}", self._label, _FIX_CONNECT)

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        psycopg = _psycopg()
        try:
            with self._conn.cursor() as cur:
                cur.execute(sql, params)
                return list(cur.fetchall()) if cur.description else []
        except psycopg.Error as exc:
            raise self._error(exc, "cannot use the erasure fingerprints") from None

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> PostgresFingerprintStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def put(self, bloom: BloomFilter) -> str:
        """Store a filter (once per distinct content); returns the SHA-256 the database computed."""
        if self.readonly:
            raise LedgerError("the fingerprints were opened read-only", self._label, "open them for writing")
        ((sha,),) = self._rows(
            f"SELECT {SCHEMA}.put_fingerprints(%s, %s, %s, %s, %s)",
            (bloom.scheme, bloom.m_log2, bloom.k, bloom.n_items, bloom.bits),
        )
        if sha != bloom.sha256:  # the database and Python must agree on the hash the log records
            raise LedgerError(
                "the database computed another fingerprint hash", self._label, "upgrade init-db"
            )
        return str(sha)

    def count(self) -> int:
        return int(self._rows(f"SELECT count(*) FROM {SCHEMA}.fp_filters")[0][0])

    def get(self, sha256: str) -> BloomFilter | None:
        """The whole filter with this SHA-256 (for verification), or None."""
        rows = self._rows(
            f"SELECT id, m_log2, k, n_items, scheme FROM {SCHEMA}.fp_filters WHERE sha256 = %s", (sha256,)
        )
        if not rows:
            return None
        fid, m_log2, k, n, scheme = rows[0]
        chunks = self._rows(
            f"SELECT data FROM {SCHEMA}.fp_chunks WHERE filter_id = %s ORDER BY chunk_no", (fid,)
        )
        return BloomFilter(b"".join(bytes(r[0]) for r in chunks), m_log2, k, n, scheme)

    def lookup(self, items: np.ndarray) -> dict[str, list[bool]]:
        """For every stored filter: which of ``items`` it (probably) contains (reads only probed chunks)."""
        filters = {
            int(fid): (str(sha), int(m), int(k))
            for fid, sha, m, k in self._rows(f"SELECT id, sha256, m_log2, k FROM {SCHEMA}.fp_filters")
        }

        def chunks(m_log2: int, chunk_nos: list[int]) -> Iterable[tuple[int, int, bytes]]:
            return [
                (int(fid), int(no), bytes(data))
                for fid, no, data in self._rows(
                    f"SELECT filter_id, chunk_no, data FROM {SCHEMA}.fp_chunks "
                    "WHERE m_log2 = %s AND chunk_no = ANY(%s)",
                    (m_log2, chunk_nos),
                )
            ]

        return probe_filters(filters, chunks, items)
