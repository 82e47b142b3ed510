"""Push sidebar updates through jupyter_server's event stream, for a PostgreSQL team log.

The database's append function notifies every append on the channel ``jupyter_privacy_append``
(``{"notebook": ..., "seq": ..., "user": ...}``, see :mod:`jupyter_privacy.ledger.postgres_schema`). When the
policy keeps the log in PostgreSQL, the server extension LISTENs on it and emits an event
(:data:`SCHEMA_ID`: the notebook's API path and the record's seq) for every append by this server's user to
a notebook under its root; the sidebar subscribes to ``/api/events/subscribe`` and refreshes that notebook at
once. Other users' appends are not passed on, even where their paths look the same (containers all use
``/home/jovyan``). The sidebar's timed poll stays as the
fallback (and is all there is with SQLite, where no process is told about appends). A lost connection is
retried every few seconds; its cause is logged by kind only (never the connection string).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from pathlib import Path
from typing import Any

from ..ledger import postgres_dsn
from ..ledger.identity import acting_user
from ..ledger.postgres_schema import NOTIFY_CHANNEL
from ..ledger.postgres_store import describe_pg_error

SCHEMA_ID = "https://events.jupyter.org/jupyter_privacy/log_appended/v1"
SCHEMA_FILE = Path(__file__).with_name("event_schemas") / "log_appended.yaml"
_log = logging.getLogger(__name__)


def api_path(notebook: str, root_dir: str) -> str | None:
    """The API path of a notebook's OS path under ``root_dir``, or None outside it."""
    root = os.path.realpath(root_dir)
    path = os.path.realpath(notebook)
    if os.path.commonpath([root, path]) != root or path == root:
        return None
    return Path(os.path.relpath(path, root)).as_posix()


class LogPush:
    """LISTENs for appends and emits :data:`SCHEMA_ID` events (see the module docstring)."""

    def __init__(self, event_logger: Any, dsn: str, root_dir: str, retry: float = 5.0) -> None:
        self.event_logger = event_logger
        self.root_dir = root_dir
        self.retry = retry
        self.listening = asyncio.Event()
        self._dsn = dsn

    async def run(self) -> None:
        import psycopg

        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(self._dsn, autocommit=True, connect_timeout=5)
                async with conn:
                    await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self.listening.set()
                    async for note in conn.notifies():
                        self.emit(note.payload)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                _log.warning(
                    "jupyter_privacy: pushing log updates paused (%s); sidebars keep polling",
                    describe_pg_error(exc),
                )
            self.listening.clear()
            await asyncio.sleep(self.retry)

    def emit(self, payload: str) -> None:
        try:
            data = json.loads(payload)
            notebook, seq = str(data["notebook"]), int(data["seq"])
        except (ValueError, KeyError, TypeError):
            return
        if data.get("user") != acting_user():
            return  # another user's append (containers share paths such as /home/jovyan): not theirs to see
        path = api_path(notebook, self.root_dir)
        if path is not None:
            self.event_logger.emit(schema_id=SCHEMA_ID, data={"path": path, "seq": seq})


def start_push(serverapp: Any, loaded: Any) -> LogPush | None:
    """Start pushing when the policy keeps the log in PostgreSQL (and its DSN variable is set)."""
    log = loaded.policy.log
    if log.store != "postgresql":
        return None
    try:
        dsn = postgres_dsn(log)
    except Exception:  # the sidebar's requests report the missing variable; polling goes on
        return None
    push = LogPush(serverapp.event_logger, dsn, serverapp.root_dir)
    push.task = asyncio.ensure_future(push.run())  # type: ignore[attr-defined]
    return push
