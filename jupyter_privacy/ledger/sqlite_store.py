"""SQLite backend of the processing log.

One database file holds the chains of many notebooks:

- ``records``: one row per record, ``PRIMARY KEY (notebook, seq)``, payload as canonical JSON text;
- ``heads``: per notebook the seq and hash of the last record, updated in the same transaction as the
  insert, so deleting rows at the end of a chain (truncation) is detectable;
- ``ledger_schema``: the application name and schema version, so a store written by a newer version is
  refused instead of misread, and a database that is not a ledger is never touched.

Durability and concurrency: WAL journal, ``synchronous=FULL`` (each append is on disk when ``append``
returns), ``busy_timeout`` so concurrent writers wait instead of failing, and every append runs inside
``BEGIN IMMEDIATE`` (the write lock is taken *before* reading the head), so several kernels appending
to the same notebook's chain are serialised and never fork it. Triggers refuse UPDATE and DELETE on
``records`` as a guard against accidents; they are not a security boundary (see docs/ledger.md).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .identity import Identity, current_identity
from .records import (
    GENESIS_HASH,
    RECORD_VERSION,
    LedgerRecord,
    canonical_json,
    compute_hash,
    utc_timestamp,
    validate_event,
)
from .store import HeadPointer, LedgerError, LedgerStore, RawRecord, parse_raw

SCHEMA_VERSION = 2  # 2: records carry user, server and record_version (record format 2)
APPLICATION = "jupyter-privacy-ledger"
SQLITE_MAGIC = b"SQLite format 3\x00"
DEFAULT_BUSY_TIMEOUT = 30.0

_COLUMNS = (
    "notebook, seq, ts, kernel_id, cell_id, execution_count, code_sha256, event, payload, "
    "policy_sha256, prev_hash, hash, user, server, record_version"
)
# A schema-1 file opened read-only has no identity columns: its rows are format-1 records.
_COLUMNS_V1 = _COLUMNS.replace("user, server, record_version", "NULL, NULL, NULL")
_IDENTITY_COLUMNS = ("user TEXT", "server TEXT", "record_version INTEGER")

_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS ledger_schema (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        application TEXT NOT NULL,
        version INTEGER NOT NULL,
        created_ts TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS records (
        notebook TEXT NOT NULL,
        seq INTEGER NOT NULL,
        ts TEXT NOT NULL,
        kernel_id TEXT,
        cell_id TEXT,
        execution_count INTEGER,
        code_sha256 TEXT,
        event TEXT NOT NULL,
        payload TEXT NOT NULL,
        policy_sha256 TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        user TEXT,
        server TEXT,
        record_version INTEGER,
        PRIMARY KEY (notebook, seq)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS heads (
        notebook TEXT PRIMARY KEY,
        seq INTEGER NOT NULL,
        hash TEXT NOT NULL
    ) WITHOUT ROWID""",
    """CREATE TRIGGER IF NOT EXISTS records_no_update BEFORE UPDATE ON records
        BEGIN SELECT RAISE(ABORT, 'the processing log is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS records_no_delete BEFORE DELETE ON records
        BEGIN SELECT RAISE(ABORT, 'the processing log is append-only'); END""",
]

_FIX_LOCATION = "set log.path in the privacy policy (or --store) to a file in a directory the user can write"
_FIX_CHECK_PATH = "check log.path in the privacy policy or pass --store FILE"
_FIX_LEAVE = "the file was left untouched; move it away or set log.path in the privacy policy to another file"


class SqliteLedgerStore(LedgerStore):
    """The processing log in a SQLite file. See the module docstring for the layout and guarantees.

    ``readonly=True`` never creates or changes anything (used by ``jupyter-privacy verify`` and ``log``);
    a missing file is then an error. Otherwise the file and its parent directories (mode 0700) are
    created when missing. An existing file that is not a ledger is refused, never modified.
    Thread-safe (one connection guarded by a lock); open one store per process.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        readonly: bool = False,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        identity: Identity | None = None,
    ) -> None:
        self._path = Path(path)
        self._readonly = readonly
        self._busy_timeout = busy_timeout
        self._lock = threading.RLock()
        self.identity = identity or current_identity()
        self._select = _COLUMNS
        self._conn: sqlite3.Connection | None = None
        self._conn = self._open()

    # -- opening -------------------------------------------------------------------------------------

    @property
    def location(self) -> str:
        return str(self._path)

    @property
    def path(self) -> Path:
        return self._path

    def _open(self) -> sqlite3.Connection:
        p = self._path
        if p.is_dir():
            raise LedgerError("the processing log path is a directory, not a file", str(p), _FIX_LOCATION)
        if p.exists():
            self._check_header(p)
        elif self._readonly:
            raise LedgerError(
                "no processing log exists",
                str(p),
                "check log.path in the privacy policy (`jupyter-privacy policy show`) or pass --store FILE",
            )
        else:
            self._create_file(p)
        if not self._readonly and not (os.access(p, os.W_OK) and os.access(p.parent, os.W_OK | os.X_OK)):
            raise LedgerError(
                "the processing log is in a read-only location (the file or its directory is not writable)",
                str(p),
                _FIX_LOCATION,
            )
        try:
            if self._readonly:
                conn = sqlite3.connect(
                    p.resolve().as_uri() + "?mode=ro",
                    uri=True,
                    timeout=self._busy_timeout,
                    isolation_level=None,
                    check_same_thread=False,
                )
            else:
                conn = sqlite3.connect(
                    str(p), timeout=self._busy_timeout, isolation_level=None, check_same_thread=False
                )
        except sqlite3.Error as exc:
            raise self._error(exc, "cannot open the processing log") from None
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")
            self._check_schema(conn)
            if self._readonly:
                conn.execute("PRAGMA query_only = ON")
        except LedgerError:
            conn.close()
            raise
        except sqlite3.Error as exc:
            conn.close()
            raise self._error(exc, "cannot open the processing log") from None
        return conn

    def _check_header(self, p: Path) -> None:
        try:
            with open(p, "rb") as fh:
                header = fh.read(100)
        except OSError as exc:
            raise LedgerError(
                f"cannot read the processing log ({exc.strerror})",
                str(p),
                "give the user running Jupyter read and write access to it, or set log.path elsewhere",
            ) from None
        if not header:
            if self._readonly:
                raise LedgerError(
                    "the processing log file is empty (no records were ever written)",
                    str(p),
                    "check log.path in the privacy policy or pass --store FILE",
                )
            return  # an empty file holds nothing to lose: it becomes a new ledger
        if not header.startswith(SQLITE_MAGIC):
            raise LedgerError(
                "the processing log path holds a file that is not a SQLite database", str(p), _FIX_LEAVE
            )
        if len(header) < 100:
            raise LedgerError("the processing log is corrupt (truncated SQLite header)", str(p), _FIX_LEAVE)

    def _create_file(self, p: Path) -> None:
        parent = p.parent
        try:
            parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise LedgerError(
                f"cannot create the directory of the processing log ({exc.strerror or exc})",
                str(parent),
                _FIX_LOCATION,
            ) from None
        try:
            fd = os.open(p, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            return  # another process created it in the meantime
        except OSError as exc:
            raise LedgerError(
                f"cannot create the processing log ({exc.strerror or exc})", str(p), _FIX_LOCATION
            ) from None
        os.close(fd)

    def _check_schema(self, conn: sqlite3.Connection) -> None:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "ledger_schema" not in tables:
            if tables:
                raise LedgerError(
                    "the SQLite database at the processing log path is not a jupyter-privacy ledger "
                    f"(it has tables {', '.join(sorted(tables))})",
                    str(self._path),
                    _FIX_LEAVE,
                )
            if self._readonly:
                raise LedgerError(
                    "the processing log is an empty SQLite database (no records)",
                    str(self._path),
                    _FIX_CHECK_PATH,
                )
            self._initialise(conn)
            return
        row = conn.execute("SELECT application, version FROM ledger_schema WHERE id = 1").fetchone()
        if row is None or row[0] != APPLICATION:
            raise LedgerError(
                "the SQLite database has an unrecognised ledger_schema table", str(self._path), _FIX_LEAVE
            )
        version = row[1]
        if not isinstance(version, int) or version > SCHEMA_VERSION:
            raise LedgerError(
                f"the processing log was written by a newer jupyter-privacy (schema version {version}; "
                f"this version reads up to {SCHEMA_VERSION})",
                str(self._path),
                "upgrade jupyter-privacy; the file was left untouched",
            )
        missing = {"records", "heads"} - tables
        if missing:
            raise LedgerError(
                f"the processing log is damaged: table(s) {', '.join(sorted(missing))} missing",
                str(self._path),
                "restore the file from a backup; the file was left untouched",
            )
        if not self._readonly:
            self._configure(conn)
            if version < SCHEMA_VERSION:
                self._migrate(conn)
        elif version < 2:
            self._select = _COLUMNS_V1

    def _migrate(self, conn: sqlite3.Connection) -> None:
        """Schema 1 -> 2: add the identity columns (existing rows stay format-1 records and still verify)."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            present = {row[1] for row in conn.execute("PRAGMA table_info(records)")}
            for column in _IDENTITY_COLUMNS:
                if column.split()[0] not in present:
                    conn.execute(f"ALTER TABLE records ADD COLUMN {column}")
            conn.execute("UPDATE ledger_schema SET version = ? WHERE id = 1", (SCHEMA_VERSION,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _configure(self, conn: sqlite3.Connection) -> None:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise LedgerError(
                f"cannot switch the processing log to WAL journal mode (got {mode!r})",
                str(self._path),
                "put the log on a local file system that supports shared memory (not a network share)",
            )
        conn.execute("PRAGMA synchronous = FULL")

    def _initialise(self, conn: sqlite3.Connection) -> None:
        self._configure(conn)
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have initialised it between our check and the lock; IF NOT EXISTS and
            # INSERT OR IGNORE make that harmless. Re-check that it is still empty or ours.
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if tables and "ledger_schema" not in tables:
                raise LedgerError(
                    "the SQLite database at the processing log path is not a jupyter-privacy ledger",
                    str(self._path),
                    _FIX_LEAVE,
                )
            for statement in _SCHEMA:
                conn.execute(statement)
            conn.execute(
                "INSERT OR IGNORE INTO ledger_schema (id, application, version, created_ts) "
                "VALUES (1, ?, ?, ?)",
                (APPLICATION, SCHEMA_VERSION, utc_timestamp()),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _error(self, exc: sqlite3.Error, what: str) -> LedgerError:
        msg = str(exc)
        low = msg.lower()
        if "not a database" in low or "malformed" in low or "corrupt" in low:
            return LedgerError(
                f"the processing log is corrupt or not a SQLite database ({msg})", str(self._path), _FIX_LEAVE
            )
        if "readonly" in low or "read-only" in low:
            return LedgerError(
                f"the processing log is in a read-only location ({msg})", str(self._path), _FIX_LOCATION
            )
        if "locked" in low or "busy" in low:
            return LedgerError(
                f"the processing log stayed locked by another process for more than {self._busy_timeout:g} s",
                str(self._path),
                "retry; if it persists, look for a hung kernel holding the log open",
            )
        if "unable to open" in low:
            return LedgerError(
                f"{what} ({msg})",
                str(self._path),
                "check that the file and its directory exist and are readable and writable",
            )
        return LedgerError(
            f"{what} ({msg})", str(self._path), "run `jupyter-privacy verify` and check the file"
        )

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise LedgerError("the processing log store is closed", str(self._path), "open a new store")
        return self._conn

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
                "the processing log was opened read-only",
                str(self._path),
                "open it without readonly=True to append",
            )
        if not isinstance(notebook, str) or not notebook:
            raise ValueError("notebook must be a non-empty string (the notebook's absolute path)")
        validate_event(event)
        if not isinstance(payload, dict):
            raise ValueError(f"payload must be a JSON object (dict), got {type(payload).__name__}")
        payload_text = canonical_json(payload).decode("utf-8")
        conn = self._connection()
        with self._lock:
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._error(exc, "cannot start writing to the processing log") from None
            try:
                seq, prev_hash = self._next_position(conn, notebook)
                body: dict[str, Any] = {
                    "seq": seq,
                    "ts": utc_timestamp(),
                    "notebook": notebook,
                    "kernel_id": kernel_id,
                    "cell_id": cell_id,
                    "execution_count": execution_count,
                    "code_sha256": code_sha256,
                    "event": event,
                    "payload": json.loads(payload_text),
                    "policy_sha256": policy_sha256,
                    "prev_hash": prev_hash,
                    "user": self.identity.user,
                    "server": self.identity.server,
                    "record_version": RECORD_VERSION,
                }
                record = LedgerRecord(**body, hash=compute_hash(prev_hash, body))
                record.validate()
                conn.execute(
                    f"INSERT INTO records ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        notebook,
                        seq,
                        record.ts,
                        kernel_id,
                        cell_id,
                        execution_count,
                        code_sha256,
                        event,
                        payload_text,
                        policy_sha256,
                        prev_hash,
                        record.hash,
                        record.user,
                        record.server,
                        RECORD_VERSION,
                    ),
                )
                conn.execute(
                    "INSERT INTO heads (notebook, seq, hash) VALUES (?, ?, ?) "
                    "ON CONFLICT (notebook) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
                    (notebook, seq, record.hash),
                )
                conn.execute("COMMIT")
            except BaseException as exc:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise self._error(exc, "cannot write to the processing log") from None
                raise
        return record

    def _next_position(self, conn: sqlite3.Connection, notebook: str) -> tuple[int, str]:
        """(seq, prev_hash) for the next record, refusing to extend a chain whose head is inconsistent."""
        head = conn.execute("SELECT seq, hash FROM heads WHERE notebook = ?", (notebook,)).fetchone()
        last = conn.execute(
            "SELECT seq, hash FROM records WHERE notebook = ? ORDER BY seq DESC LIMIT 1", (notebook,)
        ).fetchone()
        if head is None and last is None:
            return 1, GENESIS_HASH
        if head is None or last is None or tuple(head) != tuple(last):
            raise LedgerError(
                f"the chain of notebook {notebook} is inconsistent (head pointer {head and tuple(head)}, "
                f"last record {last and tuple(last)}); refusing to extend a chain that may have been "
                "tampered with",
                str(self._path),
                "run `jupyter-privacy verify` and have an administrator investigate",
            )
        return int(head[0]) + 1, str(head[1])

    # -- reading -------------------------------------------------------------------------------------

    def raw_records(self, notebook: str) -> Iterator[RawRecord]:
        conn = self._connection()
        last: Any = None
        while True:
            with self._lock:
                try:
                    if last is None:
                        rows = conn.execute(
                            f"SELECT {self._select} FROM records WHERE notebook = ? ORDER BY seq LIMIT 1000",
                            (notebook,),
                        ).fetchall()
                    else:
                        rows = conn.execute(
                            f"SELECT {self._select} FROM records WHERE notebook = ? AND seq > ? "
                            "ORDER BY seq LIMIT 1000",
                            (notebook, last),
                        ).fetchall()
                except sqlite3.Error as exc:
                    raise self._error(exc, "cannot read the processing log") from None
            for row in rows:
                yield RawRecord(*row)
            if len(rows) < 1000:
                return
            last = rows[-1][1]

    def records_after(self, notebook: str, seq: int, limit: int) -> list[LedgerRecord]:
        conn = self._connection()
        with self._lock:
            try:
                rows = conn.execute(
                    f"SELECT {self._select} FROM records WHERE notebook = ? AND seq > ? ORDER BY seq LIMIT ?",
                    (notebook, seq, limit),
                ).fetchall()
            except sqlite3.Error as exc:
                raise self._error(exc, "cannot read the processing log") from None
        return [self._parse(RawRecord(*row)) for row in rows]

    def records(self, notebook: str) -> Iterator[LedgerRecord]:
        for raw in self.raw_records(notebook):
            yield self._parse(raw)

    def _parse(self, raw: RawRecord) -> LedgerRecord:
        return parse_raw(raw, self.location)

    def notebooks(self) -> list[str]:
        conn = self._connection()
        with self._lock:
            try:
                rows = conn.execute(
                    "SELECT notebook FROM records UNION SELECT notebook FROM heads ORDER BY 1"
                ).fetchall()
            except sqlite3.Error as exc:
                raise self._error(exc, "cannot read the processing log") from None
        return [str(r[0]) for r in rows]

    def head(self, notebook: str) -> LedgerRecord | None:
        conn = self._connection()
        with self._lock:
            try:
                row = conn.execute(
                    f"SELECT {self._select} FROM records WHERE notebook = ? ORDER BY seq DESC LIMIT 1",
                    (notebook,),
                ).fetchone()
            except sqlite3.Error as exc:
                raise self._error(exc, "cannot read the processing log") from None
        return None if row is None else self._parse(RawRecord(*row))

    def recorded_head(self, notebook: str) -> HeadPointer | None:
        conn = self._connection()
        with self._lock:
            try:
                row = conn.execute("SELECT seq, hash FROM heads WHERE notebook = ?", (notebook,)).fetchone()
            except sqlite3.Error as exc:
                raise self._error(exc, "cannot read the processing log") from None
        return None if row is None else HeadPointer(notebook, row[0], row[1])

    def count(self, notebook: str | None = None) -> int:
        """Number of stored records (of one notebook, or of all)."""
        conn = self._connection()
        with self._lock:
            if notebook is None:
                return int(conn.execute("SELECT count(*) FROM records").fetchone()[0])
            row = conn.execute("SELECT count(*) FROM records WHERE notebook = ?", (notebook,)).fetchone()
            return int(row[0])

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
