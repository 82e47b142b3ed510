"""The processing-log record, its canonical JSON form and the hash chain formula.

Every record of a notebook's chain carries ``prev_hash`` (the ``hash`` of the record before it, or
:data:`GENESIS_HASH` for the first one) and its own ``hash``::

    hash = sha256_hex(prev_hash.encode("ascii") + canonical_json(record fields except "hash"))

:func:`canonical_json` is JSON with sorted keys, no whitespace (separators ``","`` and ``":"``), non-ASCII
characters written as UTF-8 (``ensure_ascii=False``), and no NaN/Infinity. It is the single definition
of the bytes that are hashed; anyone can recompute a hash from an exported record with a few lines of
Python (see docs/ledger.md).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

GENESIS_HASH = "0" * 64
"""``prev_hash`` of the first record of every notebook chain."""

# Event names used by the kernel and server layers. Other names are allowed if they match EVENT_NAME_RE.
SESSION_START = "session_start"
PURPOSE_DECLARED = "purpose_declared"
DATASET_LOADED = "dataset_loaded"
UNMASK_GRANTED = "unmask_granted"
UNMASK_DENIED = "unmask_denied"
OUTPUT_WRITTEN = "output_written"
MODEL_TRAINED = "model_trained"
RECORD_EXPORTED = "record_exported"
UNGOVERNED_READ = "ungoverned_read"
"""A governed file read again around jupyter-privacy (``open()``, ``csv``, pyarrow, polars): path, datasets,
``via`` (which reader) and ``count`` (reads in that cell)."""

KNOWN_EVENTS: frozenset[str] = frozenset(
    {
        SESSION_START,
        PURPOSE_DECLARED,
        DATASET_LOADED,
        UNMASK_GRANTED,
        UNMASK_DENIED,
        OUTPUT_WRITTEN,
        MODEL_TRAINED,
        RECORD_EXPORTED,
        UNGOVERNED_READ,
    }
)

EVENT_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_HEX64_RE = re.compile(r"^[0-9a-f]{64}$")
_TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")

RECORD_FIELDS: tuple[str, ...] = (
    "seq",
    "ts",
    "notebook",
    "kernel_id",
    "cell_id",
    "execution_count",
    "code_sha256",
    "event",
    "payload",
    "policy_sha256",
    "prev_hash",
    "hash",
    "user",
    "server",
    "record_version",
)
"""Every field of a record, in the documented order (the hash input omits only ``hash``)."""

IDENTITY_FIELDS: tuple[str, ...] = ("user", "server", "record_version")
"""The fields record format 2 added: who acted, on which server, and the format version itself."""

V1_RECORD_FIELDS: tuple[str, ...] = RECORD_FIELDS[: -len(IDENTITY_FIELDS)]
"""The fields of a format-1 record (written before identities were recorded); such records still verify."""

RECORD_VERSION = 2
"""The record format this version writes. Format 1 records have no ``user``/``server``/``record_version``."""


def canonical_json(obj: Any) -> bytes:
    """The canonical UTF-8 JSON bytes of ``obj``: sorted keys, ``(",", ":")`` separators, no ASCII escaping.

    Only JSON data is accepted: dicts with string keys, lists/tuples, str, int, finite float, bool, None.
    Raises :class:`ValueError` naming the offending location for NaN/Infinity, non-string keys, other
    types, or strings that cannot be encoded as UTF-8 (lone surrogates).
    """
    _check_json(obj, "$")
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"cannot encode as UTF-8 for canonical JSON (lone surrogate?): {exc}") from None


def _check_json(obj: Any, where: str) -> None:
    if obj is None or isinstance(obj, (bool, int, str)):
        return
    if isinstance(obj, float):
        if not math.isfinite(obj):
            raise ValueError(
                f"canonical JSON does not allow NaN or Infinity ({obj!r} at {where}); "
                "record a string or null instead"
            )
        return
    if isinstance(obj, Mapping):
        for key, value in obj.items():
            if not isinstance(key, str):
                raise ValueError(
                    f"canonical JSON needs string keys; got {type(key).__name__} key {key!r} at {where}"
                )
            _check_json(value, f"{where}.{key}")
        return
    if isinstance(obj, (list, tuple)):
        for i, value in enumerate(obj):
            _check_json(value, f"{where}[{i}]")
        return
    raise ValueError(
        f"canonical JSON cannot encode {type(obj).__name__} at {where}; convert it to str/int/float/list/dict"
    )


def compute_hash(prev_hash: str, record_without_hash: Mapping[str, Any]) -> str:
    """``sha256_hex(prev_hash.encode() + canonical_json(record fields except "hash"))``.

    ``record_without_hash`` may contain a ``hash`` key; it is ignored.
    """
    body = {k: v for k, v in record_without_hash.items() if k != "hash"}
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(body)).hexdigest()


def utc_timestamp(now: datetime | None = None) -> str:
    """ISO 8601 UTC timestamp with microseconds, e.g. ``2026-05-09T07:35:25.123456Z``."""
    now = now or datetime.now(timezone.utc)
    return now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def validate_event(event: str) -> str:
    """Return ``event`` if it is a valid event name, else raise ValueError."""
    if not isinstance(event, str) or not EVENT_NAME_RE.match(event):
        raise ValueError(
            f"invalid event name {event!r}: use lower-case letters, digits and underscores, starting with "
            f"a letter (known events: {', '.join(sorted(KNOWN_EVENTS))})"
        )
    return event


@dataclass(frozen=True)
class LedgerRecord:
    """One entry of a notebook's processing log. See the module docstring for the hash formula.

    ``payload`` is a JSON object (never raw personal data, never key material: callers are responsible
    for what they put there; the ledger only guarantees it cannot be changed unnoticed afterwards).
    """

    seq: int
    ts: str
    notebook: str
    kernel_id: str | None
    cell_id: str | None
    execution_count: int | None
    code_sha256: str | None
    event: str
    payload: dict[str, Any]
    policy_sha256: str
    prev_hash: str
    hash: str
    user: str | None = None
    server: str | None = None
    record_version: int = 1

    def to_dict(self) -> dict[str, Any]:
        """All fields as a plain dict (``payload`` deep-copied via JSON), in documented field order.

        A format-1 record has no identity fields, so they are left out and its hash still verifies.
        """
        names = V1_RECORD_FIELDS if self.record_version == 1 else RECORD_FIELDS
        out = {name: getattr(self, name) for name in names}
        out["payload"] = json.loads(canonical_json(self.payload))
        return out

    def body(self) -> dict[str, Any]:
        """The fields that go into the hash (everything except ``hash``)."""
        return {k: v for k, v in self.to_dict().items() if k != "hash"}

    def expected_hash(self) -> str:
        """The hash recomputed from this record's contents and ``prev_hash``."""
        return compute_hash(self.prev_hash, self.body())

    def to_json(self) -> str:
        """The canonical JSON text of the whole record (one JSONL line)."""
        return canonical_json(self.to_dict()).decode("utf-8")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, check_hash: bool = False) -> LedgerRecord:
        """Build a record from a dict with exactly :data:`RECORD_FIELDS` (or the format-1 fields), validating types.

        With ``check_hash=True`` also raise ValueError when ``hash`` does not match the contents.
        """
        expected = RECORD_FIELDS if "record_version" in data else V1_RECORD_FIELDS
        missing = [f for f in expected if f not in data]
        extra = [k for k in data if k not in expected]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing {', '.join(missing)}")
            if extra:
                parts.append(f"unknown {', '.join(map(str, extra))}")
            raise ValueError(f"not a ledger record: {'; '.join(parts)}")
        record = cls(**{f: data[f] for f in expected})
        record.validate()
        if check_hash and record.expected_hash() != record.hash:
            raise ValueError(f"record {record.seq} of {record.notebook}: hash does not match its contents")
        return record

    def validate(self) -> None:
        """Raise ValueError if a field has the wrong type or shape."""
        if not isinstance(self.seq, int) or isinstance(self.seq, bool) or self.seq < 1:
            raise ValueError(f"seq must be an integer >= 1, got {self.seq!r}")
        if not isinstance(self.ts, str) or not _TS_RE.match(self.ts):
            raise ValueError(
                f"ts must be an ISO 8601 UTC timestamp like 2026-01-01T00:00:00.000000Z, got {self.ts!r}"
            )
        if not isinstance(self.notebook, str) or not self.notebook:
            raise ValueError("notebook must be a non-empty string")
        for name in ("kernel_id", "cell_id", "code_sha256"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise ValueError(f"{name} must be a string or null, got {type(value).__name__}")
        ec = self.execution_count
        if ec is not None and (not isinstance(ec, int) or isinstance(ec, bool)):
            raise ValueError(f"execution_count must be an integer or null, got {ec!r}")
        validate_event(self.event)
        if not isinstance(self.payload, dict):
            raise ValueError(f"payload must be a JSON object, got {type(self.payload).__name__}")
        canonical_json(self.payload)
        for name in ("policy_sha256", "prev_hash", "hash"):
            value = getattr(self, name)
            if not isinstance(value, str) or not _HEX64_RE.match(value):
                raise ValueError(f"{name} must be 64 lower-case hex digits, got {value!r}")
        self._validate_identity()

    def _validate_identity(self) -> None:
        version = self.record_version
        if not isinstance(version, int) or isinstance(version, bool) or version not in (1, RECORD_VERSION):
            raise ValueError(f"record_version must be 1 or {RECORD_VERSION}, got {version!r}")
        if version == 1:
            if self.user is not None or self.server is not None:
                raise ValueError("a format-1 record has no user or server; set record_version to 2")
            return
        for name in ("user", "server"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ValueError(f"{name} must be a non-empty string in a format-2 record, got {value!r}")
