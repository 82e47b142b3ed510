"""PostgreSQL backend of the processing log, for teams (psycopg 3; the ``team`` extra).

Appends go through the database function ``jupyter_privacy.append`` (see :mod:`.postgres_schema`):
the database assigns ``seq``, ``prev_hash``, ``ts`` and ``hash`` and serialises appends per notebook
chain, so kernels on many servers can share one log and none can choose those fields. Reads are plain
SELECTs. The connection string comes from an environment variable named by the policy
(``log.dsn_env``); it never appears in a record, a message or an error: connection failures are
described by their kind only.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from .identity import Identity, current_identity
from .postgres_schema import SCHEMA, USER_NOT_LOGIN
from .records import LedgerRecord, canonical_json, validate_event
from .store import HeadPointer, LedgerError, LedgerStore, RawRecord, parse_raw

_SELECT = (
    "notebook, seq, ts, kernel_id, cell_id, execution_count, code_sha256, event, payload, "
    "policy_sha256, prev_hash, hash, user_name, server, record_version"
)
_PAGE = 1000
_FIX_CONNECT = (
    "check that the PostgreSQL server is running and that the environment variable named by the "
    "policy's log.dsn_env holds a working connection string; ask your administrator"
)


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise LedgerError(
            "the policy's log.store is postgresql but psycopg is not installed",
            "policy field log.store",
            "install the team extra: pip install 'jupyter-privacy[team]'",
        ) from None
    return psycopg


def describe_pg_error(exc: Exception) -> str:
    """What kind of database failure ``exc`` is, without its text (which may quote the DSN or values)."""
    sqlstate = getattr(exc, "sqlstate", None) or ""
    text = str(exc).lower()
    if sqlstate == "28P01" or "password authentication failed" in text:
        return "authentication failed"
    if sqlstate == USER_NOT_LOGIN:
        return (
            "this log takes the user from the database login, and the user this kernel reports "
            "(JUPYTERHUB_USER, else the OS user) is not its login role: connect with the user's own role"
        )
    if sqlstate.startswith("28"):
        return "the role is not allowed to connect"
    if sqlstate == "3D000" or ("database" in text and "does not exist" in text):
        return "the database does not exist"
    if sqlstate == "42501":
        return "permission denied"
    if sqlstate == "42P01" or sqlstate == "3F000" or sqlstate == "42883":
        return "the log schema is missing (run `jupyter-privacy log init-db`)"
    if sqlstate.startswith("08") or "connection" in text or "server closed" in text:
        return "the server cannot be reached or the connection was lost"
    if sqlstate == "55000":
        return "the notebook's chain is inconsistent (head pointer and last record differ)"
    return f"database error {sqlstate or type(exc).__name__}"


class PostgresLedgerStore(LedgerStore):
    """The processing log in PostgreSQL. See the module docstring; the schema is made by ``init-db``.

    ``dsn_env`` names the environment variable with the connection string. ``readonly=True`` refuses
    appends (the CLI reads with it). Thread-safe (one connection guarded by a lock); a connection lost
    mid-session is re-opened on the next call, and a failed call raises :class:`LedgerError`.
    """

    def __init__(
        self,
        dsn: str,
        *,
        readonly: bool = False,
        identity: Identity | None = None,
        label: str = "PostgreSQL",
        connect_timeout: int = 5,
    ) -> None:
        self._dsn = dsn
        self._readonly = readonly
        self.identity = identity or current_identity()
        self._label = label
        self._timeout = connect_timeout
        self._lock = threading.RLock()
        self._closed = False
        self._conn: Any = None
        self._conn = self._connect()

    @property
    def location(self) -> str:
        return self._label

    def _error(self, exc: Exception, what: str) -> LedgerError:
        return LedgerError(f"{what}: {describe_pg_error(exc)}", self._label, _FIX_CONNECT)

    def _connect(self) -> Any:
        psycopg = _psycopg()
        try:
            conn = psycopg.connect(self._dsn, autocommit=True, connect_timeout=self._timeout)
        except psycopg.Error as exc:
            raise self._error(exc, "cannot connect to the processing log") from None
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (SCHEMA,))
                found = cur.fetchone() is not None
        except psycopg.Error as exc:
            conn.close()
            raise self._error(exc, "cannot read the processing log") from None
        if not found:
            conn.close()
            raise LedgerError(
                f"the database has no {SCHEMA} schema (the processing log was never set up there)",
                self._label,
                "an administrator runs `jupyter-privacy log init-db` once",
            )
        return conn

    def _run(
        self, what: str, sql: str, params: tuple[Any, ...] = (), *, retry: bool = True
    ) -> list[tuple[Any, ...]]:
        """Run one statement and fetch its rows; with ``retry``, re-open a lost connection once."""
        psycopg = _psycopg()
        with self._lock:
            if self._closed:
                raise LedgerError("the processing log store is closed", self._label, "open a new store")
            for attempt in (1, 2):
                if self._conn is None or self._conn.closed:
                    self._conn = self._connect()
                try:
                    with self._conn.cursor() as cur:
                        cur.execute(sql, params)
                        return list(cur.fetchall()) if cur.description else []
                except psycopg.OperationalError as exc:
                    lost = self._conn.closed or self._conn.broken
                    if lost:
                        self._conn = None
                    if attempt == 1 and lost and retry:
                        continue
                    raise self._error(exc, what) from None
                except psycopg.Error as exc:
                    raise self._error(exc, what) from None
        raise AssertionError("unreachable")

    # -- writing -------------------------------------------------------------------------------------

    def append(
        self,
        notebook: str,
        event: str,
        payload: dict[str, Any],
        *,
        kernel_id: str | None = None,
        cell_id: str | None = None,
        execution_count: int | None = None,
        code_sha256: str | None = None,
        policy_sha256: str,
    ) -> LedgerRecord:
        if self._readonly:
            raise LedgerError(
                "the processing log was opened read-only", self._label, "open it without readonly=True"
            )
        if not isinstance(notebook, str) or not notebook:
            raise ValueError("notebook must be a non-empty string (the notebook's absolute path)")
        validate_event(event)
        if not isinstance(payload, dict):
            raise ValueError(f"payload must be a JSON object (dict), got {type(payload).__name__}")
        payload_text = canonical_json(payload).decode("utf-8")
        # An append is never retried blindly: if the connection died after the commit, a retry would
        # log the event twice. The caller gets the error; the chain stays consistent either way.
        rows = self._run(
            "cannot write to the processing log",
            f"SELECT * FROM {SCHEMA}.append(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                notebook,
                event,
                payload_text,
                kernel_id,
                cell_id,
                execution_count,
                code_sha256,
                policy_sha256,
                self.identity.user,
                self.identity.server,
            ),
            retry=False,
        )
        row = rows[0]
        return parse_raw(RawRecord(*row[:15]), self._label)

    # -- reading -------------------------------------------------------------------------------------

    def raw_records(self, notebook: str) -> Iterator[RawRecord]:
        last = 0
        while True:
            rows = self._run(
                "cannot read the processing log",
                f"SELECT {_SELECT} FROM {SCHEMA}.records WHERE notebook = %s AND seq > %s ORDER BY seq LIMIT {_PAGE}",
                (notebook, last),
            )
            for row in rows:
                yield RawRecord(*row)
            if len(rows) < _PAGE:
                return
            last = rows[-1][1]

    def records_after(self, notebook: str, seq: int, limit: int) -> list[LedgerRecord]:
        rows = self._run(
            "cannot read the processing log",
            f"SELECT {_SELECT} FROM {SCHEMA}.records WHERE notebook = %s AND seq > %s ORDER BY seq LIMIT %s",
            (notebook, seq, limit),
        )
        return [parse_raw(RawRecord(*row), self._label) for row in rows]

    def records(self, notebook: str) -> Iterator[LedgerRecord]:
        for raw in self.raw_records(notebook):
            yield parse_raw(raw, self._label)

    def notebooks(self) -> list[str]:
        rows = self._run(
            "cannot read the processing log",
            f"SELECT notebook FROM {SCHEMA}.records UNION SELECT notebook FROM {SCHEMA}.heads ORDER BY 1",
        )
        return [str(r[0]) for r in rows]

    def head(self, notebook: str) -> LedgerRecord | None:
        rows = self._run(
            "cannot read the processing log",
            f"SELECT {_SELECT} FROM {SCHEMA}.records WHERE notebook = %s ORDER BY seq DESC LIMIT 1",
            (notebook,),
        )
        return parse_raw(RawRecord(*rows[0]), self._label) if rows else None

    def recorded_head(self, notebook: str) -> HeadPointer | None:
        rows = self._run(
            "cannot read the processing log",
            f"SELECT seq, hash FROM {SCHEMA}.heads WHERE notebook = %s",
            (notebook,),
        )
        return HeadPointer(notebook, rows[0][0], rows[0][1]) if rows else None

    def fingerprints(self) -> Any:
        """The erasure fingerprint store in the same database (same connection string)."""
        from ..records.fingerprints_pg import PostgresFingerprintStore

        return PostgresFingerprintStore(self._dsn, readonly=self._readonly, label=self._label)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._conn is not None:
                self._conn.close()
                self._conn = None
