"""The DPO's view over a team log: which records count, by user, purpose and time range, and per purpose
who processed what.

Times are ISO 8601 (``2026-11-01`` or ``2026-11-01T12:00:00Z``, UTC); ``until`` given as a date covers
that whole day. A record matches ``--purpose P`` when it was written while P was the declared purpose of
its kernel session (from its ``purpose_declared`` until the purpose changes or ends, or the session ends).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

_ENDS_PURPOSE = frozenset({"purpose_ended", "session_start", "session_end"})


def parse_time(text: str, *, end_of_day: bool = False) -> str:
    """``text`` as the log's timestamp form (``YYYY-MM-DDTHH:MM:SS.ffffffZ``); ValueError if unreadable."""
    value = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        value += "T23:59:59.999999+00:00" if end_of_day else "T00:00:00+00:00"
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"cannot read the time {text!r}: use 2026-11-01 or 2026-11-01T12:00:00Z") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class RecordFilter:
    """Which records a DPO asked for; empty fields do not filter."""

    users: frozenset[str] = frozenset()
    purposes: frozenset[str] = frozenset()
    since: str | None = None
    until: str | None = None

    @property
    def active(self) -> bool:
        return bool(self.users or self.purposes or self.since or self.until)

    def _time_user_ok(self, ts: Any, user: Any) -> bool:
        if self.users and user not in self.users:
            return False
        if self.since and (not isinstance(ts, str) or ts < self.since):
            return False
        return not (self.until and (not isinstance(ts, str) or ts > self.until))

    def belongs(self, inner: Callable[[str, Any], bool] | None = None) -> Callable[[str, Any], bool]:
        """A ``build_record`` filter; it follows each kernel session's declared purpose (two kernels, or two
        users' notebooks of the same path, can share a chain), so call it in chain order."""
        purpose: dict[tuple[str, Any, Any], str | None] = {}  # per session: (chain, kernel id, user)

        def keep(chain: str, r: Any) -> bool:
            session = (chain, r.kernel_id, r.user)  # scripts have no kernel id
            if r.event == "purpose_declared":
                purpose[session] = str(r.payload.get("purpose"))
            elif r.event in _ENDS_PURPOSE:
                purpose[session] = None
            if inner is not None and not inner(chain, r):
                return False
            if self.purposes and purpose.get(session) not in self.purposes:
                return False
            return self._time_user_ok(r.ts, r.user)

        return keep


def processed_by(record: dict[str, Any]) -> None:
    """Add to every purpose of an Art. 30 record who declared it and who was granted which raw columns."""
    grants: dict[str, list[dict[str, Any]]] = {}
    for u in record.get("evidence", {}).get("unmask", []):
        if u.get("decision") == "granted":
            grants.setdefault(str(u.get("purpose")), []).append(
                {
                    "user": u.get("user"),
                    "dataset": u.get("dataset"),
                    "columns": u.get("columns"),
                    "ts": u.get("ts"),
                }
            )
    for p in record.get("purposes", []):
        declared_by = sorted({str(d.get("user")) for d in p.get("declarations", []) if d.get("user")})
        p["processed_by"] = {"declared_by": declared_by, "unmasked": grants.get(str(p.get("id")), [])}
