"""Keyed fingerprints of the people in each dataset load, for erasure look-ups (GDPR Art. 17).

For every governed load, the keyed pseudonyms (HMAC tokens, exactly what the masked frame holds) of its
direct-identifier columns go into one Bloom filter. Nothing raw is stored: a token can only be computed
from a raw value by someone holding the masking key, and the filter holds only bits derived from tokens.

Layout (a sidecar SQLite file next to the ledger, ``<ledger>.fingerprints``; see
:func:`fingerprint_path`):

``filters``  one row per distinct filter: its SHA-256 (also recorded in the ``dataset_loaded`` payload,
             so a changed filter is detectable against the hash-chained log), size ``2**m_log2`` bits,
             ``k`` probes, ``n_items``;
``chunks``   the filter's bits in 1 KiB chunks, indexed by ``(m_log2, chunk_no)``.

Filter sizes are powers of two and the probe positions of an item depend only on the item and the size,
so a look-up reads, for every size class present, the same ``<= k`` chunk numbers of every filter of that
class: about ``k`` KiB per dataset load, whatever the size of the dataset.

Probe positions use double hashing (Kirsch-Mitzenmacher) over the 64 bits of the token's HMAC digest,
xor-ed with a per-entity constant so the same text under two entity types gives different items.
"""

from __future__ import annotations

import hashlib
import math
import sqlite3
import threading
import warnings
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..ledger.private_files import create_private_file
from ..mask.normalise import ErasureDigests, erasure_digests
from ..mask.tokens import TOKEN_HEX, distinct_strings, hex_to_u64, hmac_digests, token_shape

SCHEME = "jp-bloom-v2"
"""Scheme of new filters: items are keyed digests of *normalised* identifiers (:mod:`..mask.normalise`)."""
SCHEME_EXACT = "jp-bloom-v1"
"""Scheme of filters built before normalisation: items are the digests of the tokens (values as loaded).
Still searched, with the look-up value keyed as typed."""
_SALT_SCHEME = "jp-bloom-v1"  # the per-entity constants never change: they are part of every stored item
BITS_PER_ITEM = 20
"""Minimum filter bits per item; sizes are rounded up to a power of two (20 to 40 bits per item)."""
PROBES = 14
"""Bit probes per item (k)."""
MIN_LOG2 = 13
"""Smallest filter: 2**13 bits = 1 KiB (one chunk)."""
CHUNK_BYTES = 1024
_BLOCK = 1 << 16
CHUNK_BITS = CHUNK_BYTES * 8
FINGERPRINT_SUFFIX = ".fingerprints"

_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS fp_schema (
        id INTEGER PRIMARY KEY CHECK (id = 1), application TEXT NOT NULL, version INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS filters (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        scheme TEXT NOT NULL,
        m_log2 INTEGER NOT NULL,
        k INTEGER NOT NULL,
        n_items INTEGER NOT NULL,
        created_ts TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS chunks (
        filter_id INTEGER NOT NULL,
        m_log2 INTEGER NOT NULL,
        chunk_no INTEGER NOT NULL,
        data BLOB NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS chunks_lookup ON chunks (m_log2, chunk_no, filter_id)",
    "CREATE INDEX IF NOT EXISTS chunks_filter ON chunks (filter_id, chunk_no)",
]


def fingerprint_path(ledger_path: str | Path) -> Path:
    """The sidecar fingerprint database of a ledger file: ``<ledger>.fingerprints``."""
    p = Path(ledger_path)
    return p.with_name(p.name + FINGERPRINT_SUFFIX)


def entity_salt(entity: str) -> np.uint64:
    """A per-entity 64-bit constant mixed into every item of that entity."""
    return np.uint64(int.from_bytes(hashlib.sha256(f"{_SALT_SCHEME}:{entity}".encode()).digest()[:8], "big"))


def false_positive_rate(n_items: int, m_bits: int, k: int = PROBES) -> float:
    """Probability that an absent item tests present in a filter of ``m_bits`` holding ``n_items``."""
    if n_items <= 0:
        return 0.0
    return float((1.0 - math.exp(-k * n_items / m_bits)) ** k)


def filter_log2(n_items: int, bits_per_item: int = BITS_PER_ITEM) -> int:
    """``log2`` of the filter size for ``n_items``: the next power of two >= ``bits_per_item * n``."""
    need = max(1, n_items * bits_per_item)
    return max(MIN_LOG2, math.ceil(math.log2(need)))


def token_digests(tokens: pa.Array | Sequence[str], entity: str) -> np.ndarray:
    """The 64-bit HMAC digests inside tokens of ``entity`` (``PREFIX + 16 hex + SUFFIX``), as uint64."""
    arr = tokens if isinstance(tokens, pa.Array) else pa.array(list(tokens), pa.string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr = pc.drop_null(arr)
    if len(arr) == 0:
        return np.zeros(0, dtype=np.uint64)
    prefix, _suffix = token_shape(entity)
    start = len(prefix)
    hexes = pc.utf8_slice_codeunits(arr, start, start + TOKEN_HEX)
    hexes = pc.utf8_rpad(hexes, TOKEN_HEX, "0")  # malformed tokens: still 16 characters
    hexes = pc.cast(hexes, pa.binary(TOKEN_HEX))  # fixed-size: one contiguous buffer
    raw = np.frombuffer(hexes.buffers()[1], dtype=np.uint8)
    off = hexes.offset * TOKEN_HEX
    return hex_to_u64(raw[off : off + len(hexes) * TOKEN_HEX].reshape(-1, TOKEN_HEX))


def item_hashes(digests: np.ndarray, entity: str) -> np.ndarray:
    """Items of a filter: token digests xor-ed with the entity's constant."""
    return np.bitwise_xor(digests.astype(np.uint64), entity_salt(entity))


def _positions(items: np.ndarray, m_log2: int, k: int) -> np.ndarray:
    """``(len(items), k)`` bit positions by double hashing: ``h1 + i * h2 (mod 2**m_log2)``, h2 odd.

    Computed in uint32 (wrap-around is exact modulo ``2**m_log2`` for ``m_log2 <= 32``).
    """
    if m_log2 > 32:
        raise ValueError("filters larger than 2**32 bits are not supported")
    mask = np.uint32((1 << m_log2) - 1)
    h1 = (items & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    h2 = ((items >> np.uint64(32)) | np.uint64(1)).astype(np.uint32)
    steps = np.arange(k, dtype=np.uint32)
    with np.errstate(over="ignore"):
        return (h1[:, None] + steps[None, :] * h2[:, None]) & mask


@dataclass(frozen=True)
class BloomFilter:
    """A built filter: its bits (little-endian bit order), size, probes and number of items."""

    bits: bytes
    m_log2: int
    k: int
    n_items: int
    scheme: str = SCHEME

    @property
    def m_bits(self) -> int:
        return 1 << self.m_log2

    @property
    def sha256(self) -> str:
        header = f"{self.scheme};m_log2={self.m_log2};k={self.k};n={self.n_items};".encode()
        return hashlib.sha256(header + self.bits).hexdigest()

    @property
    def fp_rate(self) -> float:
        return false_positive_rate(self.n_items, self.m_bits, self.k)

    def contains(self, item: int) -> bool:
        pos = _positions(np.array([item], dtype=np.uint64), self.m_log2, self.k)[0]
        return all(self.bits[int(p) >> 3] >> (int(p) & 7) & 1 for p in pos)


def build_filter(
    items: np.ndarray,
    *,
    bits_per_item: int = BITS_PER_ITEM,
    k: int = PROBES,
    m_log2: int | None = None,
    distinct: bool = False,
    scheme: str = SCHEME,
) -> BloomFilter:
    """A Bloom filter of ``items`` (uint64). Duplicates are counted once unless the caller says the items
    are ``distinct`` already (skips a sort of the items)."""
    unique = items.astype(np.uint64, copy=False) if distinct else np.unique(items.astype(np.uint64))
    size = m_log2 if m_log2 is not None else filter_log2(len(unique), bits_per_item)
    bitmap = np.zeros(1 << size, dtype=bool)

    def fill(start: int) -> None:
        # concurrent blocks only ever store True: the order of the stores does not matter
        bitmap[_positions(unique[start : start + _BLOCK], size, k).ravel()] = True

    # in blocks (the (items x k) position matrix of a million items would be hundreds of MB at once),
    # two threads: numpy releases the GIL for the arithmetic and the scattered stores
    starts = range(0, len(unique), _BLOCK)
    if len(starts) > 1:
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(fill, starts))
    else:
        for start in starts:
            fill(start)
    return BloomFilter(np.packbits(bitmap, bitorder="little").tobytes(), size, k, len(unique), scheme)


def subject_items(tokens: Iterable[tuple[str, str]]) -> np.ndarray:
    """Items for ``(entity, token)`` pairs (the tokens of the values being looked up)."""
    out = []
    for entity, token in tokens:
        out.append(item_hashes(token_digests([token], entity), entity)[0])
    return np.array(out, dtype=np.uint64)


class FingerprintStore:
    """The sidecar database of filters (see the module docstring). ``readonly`` never writes."""

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._lock = threading.Lock()
        if readonly:
            self._conn = sqlite3.connect(
                self.path.resolve().as_uri() + "?mode=ro",
                uri=True,
                isolation_level=None,
                check_same_thread=False,
            )
        else:
            create_private_file(self.path)  # as private as the log it belongs to
            self._conn = sqlite3.connect(
                str(self.path), timeout=30, isolation_level=None, check_same_thread=False
            )
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
            for statement in _SCHEMA:
                self._conn.execute(statement)
            self._conn.execute(
                "INSERT OR IGNORE INTO fp_schema (id, application, version) VALUES (1, ?, 1)",
                ("jupyter-privacy-fingerprints",),
            )
        self._conn.execute("PRAGMA busy_timeout = 30000")

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> FingerprintStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def put(self, bloom: BloomFilter) -> str:
        """Store a filter (once per distinct content) and return its SHA-256."""
        sha = bloom.sha256
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                cur = self._conn.execute(
                    "INSERT OR IGNORE INTO filters (sha256, scheme, m_log2, k, n_items, created_ts) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (sha, bloom.scheme, bloom.m_log2, bloom.k, bloom.n_items, now),
                )
                if cur.rowcount:
                    fid = cur.lastrowid
                    bits = bloom.bits
                    self._conn.executemany(
                        "INSERT INTO chunks (filter_id, m_log2, chunk_no, data) VALUES (?, ?, ?, ?)",
                        (
                            (fid, bloom.m_log2, i, bits[i * CHUNK_BYTES : (i + 1) * CHUNK_BYTES])
                            for i in range(max(1, len(bits) // CHUNK_BYTES))
                        ),
                    )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return sha

    def count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM filters").fetchone()[0])

    def get(self, sha256: str) -> BloomFilter | None:
        """The whole filter with this SHA-256 (for verification), or None."""
        row = self._conn.execute(
            "SELECT id, m_log2, k, n_items, scheme FROM filters WHERE sha256 = ?", (sha256,)
        ).fetchone()
        if row is None:
            return None
        fid, m_log2, k, n, scheme = row
        data = b"".join(
            r[0]
            for r in self._conn.execute(
                "SELECT data FROM chunks WHERE filter_id = ? ORDER BY chunk_no", (fid,)
            )
        )
        return BloomFilter(data, m_log2, k, n, scheme)

    def lookup(self, items: np.ndarray) -> dict[str, list[bool]]:
        """For every stored filter: which of ``items`` (uint64) it (probably) contains.

        Reads only the chunks the probes fall in (``<= k`` per item and size class).
        """
        filters = {
            fid: (sha, m_log2, k)
            for fid, sha, m_log2, k in self._conn.execute("SELECT id, sha256, m_log2, k FROM filters")
        }

        def chunks(m_log2: int, chunk_nos: list[int]) -> Iterable[tuple[int, int, bytes]]:
            marks = ",".join("?" * len(chunk_nos))
            return self._conn.execute(
                f"SELECT filter_id, chunk_no, data FROM chunks WHERE m_log2 = ? AND chunk_no IN ({marks})",
                (m_log2, *chunk_nos),
            )

        return probe_filters(filters, chunks, items)


ChunkReader = Callable[[int, list[int]], Iterable[tuple[int, int, bytes]]]
"""(m_log2, chunk numbers) -> (filter id, chunk number, bytes) of every filter of that size class."""


def probe_filters(
    filters: dict[int, tuple[str, int, int]], read_chunks: ChunkReader, items: np.ndarray
) -> dict[str, list[bool]]:
    """Which of ``items`` each filter ``{id: (sha256, m_log2, k)}`` (probably) contains, reading only the
    chunks the probes fall in through ``read_chunks`` (shared by the SQLite and PostgreSQL stores)."""
    result: dict[str, list[bool]] = {sha: [False] * len(items) for sha, _m, _k in filters.values()}
    if not len(items):
        return result
    classes = sorted({(m, k) for _s, m, k in filters.values()})
    for m_log2, k in classes:
        pos = _positions(items.astype(np.uint64), m_log2, k).astype(np.int64)
        chunk_nos = sorted({int(p) // CHUNK_BITS for p in pos.ravel()})
        data = {(int(fid), int(no)): bytes(blob) for fid, no, blob in read_chunks(m_log2, chunk_nos)}
        members = [fid for fid, (_s, m, kk) in filters.items() if m == m_log2 and kk == k]
        for fid in members:
            result[filters[fid][0]] = [_has(data, fid, pos[j]) for j in range(len(items))]
    return result


def _has(data: dict[tuple[int, int], bytes], fid: int, positions: np.ndarray) -> bool:
    for p in positions:
        p = int(p)
        blob = data.get((fid, p // CHUNK_BITS))
        within = p % CHUNK_BITS
        if blob is None or not (blob[within >> 3] >> (within & 7)) & 1:
            return False
    return True


FINGERPRINTED_CATEGORIES = ("direct",)
"""Finding categories whose columns are fingerprinted (direct identifiers; see docs/dpo-guide.md)."""


def fingerprint_frame(raw: Any, masked: Any, key: Any) -> tuple[BloomFilter, list[dict[str, Any]]] | None:
    """A filter of the normalised direct identifiers of one load, and which columns went into it.

    ``masked`` is the :class:`~jupyter_privacy.mask.MaskedFrame`: the masking step kept, for every direct
    identifier column, the keyed digests of its normalised distinct values
    (:func:`~jupyter_privacy.mask.normalise.erasure_digests`). ``raw`` (the frame as read) serves columns
    masked elsewhere. Free-text columns are not fingerprinted. Returns None when the load has no such column.
    """
    from ..detect.recognizers import PHONE_REGIONS

    kept = getattr(masked, "distinct_digests", {})
    names = [str(c) for c in masked.frame.columns]
    parts: list[np.ndarray] = []
    columns: list[dict[str, Any]] = []
    for cm in masked.columns:
        if (
            cm.category not in FINGERPRINTED_CATEGORIES
            or cm.strategy == "free_text"
            or cm.column not in names
        ):
            continue
        entity = cm.entities[0] if cm.entities else cm.category.upper()
        index = names.index(cm.column)
        found = kept.get(index)
        if not isinstance(found, ErasureDigests):
            found = erasure_digests(distinct_strings(raw.iloc[:, index]), entity, key, PHONE_REGIONS)
        parts.append(item_hashes(found.digests, entity))
        region = {"region": found.region} if found.region else {}
        columns.append({"column": cm.column, "entity": entity, "distinct": len(found.digests)} | region)
    if not parts:
        return None
    # distinct per column, entity-salted across columns
    return build_filter(np.concatenate(parts), distinct=True), columns


def value_items(values: Sequence[str], entity: str, key: Any) -> np.ndarray:
    """Items of already normalised look-up values (scheme :data:`SCHEME`)."""
    if not values:
        return np.zeros(0, dtype=np.uint64)
    return item_hashes(hmac_digests(pa.array(list(values), pa.large_string()), key), entity)


def open_fingerprints(where: Any, *, readonly: bool = False) -> Any:
    """The fingerprint store that goes with a processing log.

    ``where`` is the policy's ``log`` settings (SQLite: the sidecar file next to ``log.path``; PostgreSQL:
    the same database, through the connection string in ``log.dsn_env``), an open ledger store, or a
    ledger file's path. Returns None for a read-only SQLite sidecar that does not exist.
    """
    from ..ledger.postgres_store import PostgresLedgerStore

    if isinstance(where, PostgresLedgerStore):
        return where.fingerprints()
    if getattr(where, "store", None) == "postgresql":
        from ..ledger import postgres_dsn
        from .fingerprints_pg import PostgresFingerprintStore

        return PostgresFingerprintStore(postgres_dsn(where), readonly=readonly)
    if hasattr(where, "resolved_path"):
        where = where.resolved_path()
    elif hasattr(where, "location"):
        where = where.location
    path = fingerprint_path(where)
    if readonly and not path.exists():
        return None
    return FingerprintStore(path, readonly=readonly)


def unsearchable_warning(fingerprints: dict[str, Any] | None, shown: str) -> None:
    """Tell the notebook when a load's fingerprints could not be built (``shown``: its source as the
    notebook may show it): the load works, but an erasure look-up cannot find anyone in it."""
    if fingerprints is not None and "error" in fingerprints:
        warnings.warn(
            f"{shown}: its erasure fingerprints could not be built ({fingerprints['error']}); the load "
            "works, but an erasure look-up will list it as not searchable",
            stacklevel=3,
        )


def record_fingerprints(where: Any, raw: Any, masked: Any, key: Any) -> dict[str, Any] | None:
    """Build and store a load's filter; the summary goes into the ``dataset_loaded`` payload.

    ``where``: the policy's ``log`` settings (or a ledger file's path), see :func:`open_fingerprints`.
    Never raises: a failure is returned as ``{"error": ...}`` so that loading still works (the erasure
    look-up then reports the load as not searchable).
    """
    try:
        built = fingerprint_frame(raw, masked, key)
        if built is None:
            return None
        bloom, columns = built
        with open_fingerprints(where) as store:
            sha = store.put(bloom)
        return {
            "scheme": SCHEME,
            "sha256": sha,
            "m_log2": bloom.m_log2,
            "k": bloom.k,
            "items": bloom.n_items,
            "fp_rate": bloom.fp_rate,
            "columns": columns,
        }
    except Exception as exc:
        # the type only: this goes into the processing log, and a message might quote a value
        return {"error": f"{type(exc).__name__} while building the fingerprints"}
