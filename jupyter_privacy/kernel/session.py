"""The privacy session of one kernel: purpose, datasets, grants, and the processing log.

Everything the magics, the Python API and the pandas interception do goes through one
:class:`PrivacySession`. It holds no raw personal data: a governed load keeps only the masked
frame; an unmask re-reads the source (after checking its content hash) and hands out the raw
columns it was asked for.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import threading
import uuid
import warnings
import weakref
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from .. import __version__
from ..detect import ScanResult, scan_dataframe
from ..detect.labels import header_is_data
from ..io import DataReadError, describe_error, read_table
from ..io.nested import flatten_nested
from ..ledger import LedgerError, LedgerRecord, LedgerStore, open_store
from ..mask import MaskedFrame, MaskingKey, load_key, mask_frame
from ..mask.raw_index import RawValueIndex
from ..policy import LoadedPolicy, Purpose, load_policy
from ..records.fingerprints import record_fingerprints, unsearchable_warning
from .alignment import align, check_requested, source_columns
from .context import CellContext, kernel_id, notebook_path
from .errors import LoadError, PurposeError, UnmaskDenied
from .gate import DeclarationRefused, check_declaration
from .gate import refusal as gate_refusal
from .labels import LabelGuard
from .log_outage import OutageBuffer

ATTRS_KEY = "jupyter_privacy"

# set while the session itself reads data, so intercepted pandas readers do not govern twice
_internal = threading.local()


def internal_read() -> bool:
    return bool(getattr(_internal, "active", False))


def _as_internal(fn: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    previous = internal_read()
    _internal.active = True
    try:
        return fn()
    finally:
        _internal.active = previous


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def datasets_of(obj: Any) -> list[str]:
    """Dataset ids a DataFrame/Series derives from (kept in ``attrs``, which pandas propagates)."""
    attrs = getattr(obj, "attrs", None)
    if not isinstance(attrs, dict):
        return []
    info = attrs.get(ATTRS_KEY)
    return list(info.get("datasets", [])) if isinstance(info, dict) else []


def tag(obj: Any, datasets: Iterable[str]) -> None:
    ids = sorted(set(datasets))
    if ids:
        obj.attrs[ATTRS_KEY] = {"datasets": ids}


@dataclass
class Declaration:
    purpose: Purpose
    basis: str
    reference: str | None
    art9_condition: str | None
    declared_at: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "purpose": self.purpose.id,
            "description": self.purpose.description,
            "lawful_basis": self.basis,
            "reference": self.reference,
            "art9_condition": self.art9_condition,
            "declared_at": self.declared_at,
        }


@dataclass
class Dataset:
    """A governed dataset: where it came from, what it holds (findings), how it was masked."""

    id: str
    source: str
    content_sha256: str
    shape: tuple[int, int]
    scan: ScanResult
    masking: MaskedFrame
    loaded_at: str
    reread: Callable[[], pd.DataFrame] = field(repr=False)
    variable: str | None = None
    engine: str = "pandas"  # "spark": reread gives a Spark DataFrame

    def finding(self, column: str) -> Any:
        return self.scan[column]

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "content_sha256": self.content_sha256,
            "rows": self.shape[0],
            "columns": self.shape[1],
            "variable": self.variable,
            "loaded_at": self.loaded_at,
            "flagged": [
                {
                    "name": c.name,
                    "category": c.category,
                    "entities": c.entities,
                    "score": c.score,
                    "coverage": c.coverage,
                    "rule": c.rule,
                    "reasons": c.reasons,
                }
                for c in self.scan.flagged()
            ],
            "table": self.scan.table.to_dict(),
            "masking": self.masking.to_dict(),
            "reidentification": self.scan.reidentification.to_dict() if self.scan.reidentification else None,
        }


@dataclass
class Grant:
    dataset: str
    columns: list[str]
    purpose: str
    frames: list[weakref.ref[pd.DataFrame]] = field(default_factory=list, repr=False)
    id: str = field(default_factory=lambda: f"g-{uuid.uuid4().hex[:12]}")
    engine_session: Any = field(default=None, repr=False)  # a Spark unmask's SparkSession (its temp views)


GrantListener = Callable[[Grant, pd.DataFrame | RawValueIndex], None]
"""Called with each new grant and the raw values it hands out (a Spark unmask: their index, built by
Spark), before the grant is logged: a listener that raises refuses the grant, and nothing is logged."""

RevokeHook = Callable[[list[Grant]], dict[str, int]]
"""Called with the grants being revoked, before ``grants_revoked`` is logged; undoes what an engine keeps
of their raw values beyond the frames (a Spark unmask's temporary views, session variables) and says how
many of each it undid (``{"temporary_views_dropped": 2, ...}``, added up into the record)."""


class PrivacySession:
    """One kernel's (or one script's) privacy state."""

    def __init__(self, shell: Any | None = None, policy: LoadedPolicy | None = None) -> None:
        self.shell = shell
        self.loaded = policy if policy is not None else load_policy()
        self.policy = self.loaded.policy
        self.notebook = notebook_path(shell)
        self.kernel_id = kernel_id()
        self.cell = CellContext()
        self.datasets: dict[str, Dataset] = {}
        self.declaration: Declaration | None = None
        self.grants: list[Grant] = []
        self.revoked_grants: set[str] = set()  # ids of the grants revoked (Spark frames refuse their rows)
        self.progress: Callable[[str], None] | None = None  # told each stage of a load (progress line)
        self.grant_listeners: list[GrantListener] = []
        self.revoke_hooks: list[RevokeHook] = []
        self._store: LedgerStore | None = None
        self._key: MaskingKey | None = None
        self._lock = threading.RLock()
        self.outage = OutageBuffer()
        self.started = False
        self.labels = LabelGuard(lambda: self.key, self.policy.detection.ner_model)

    # -- infrastructure -------------------------------------------------------------------------

    @property
    def store(self) -> LedgerStore:
        if self._store is None:
            self._store = open_store(self.policy)
        return self._store

    @property
    def key(self) -> MaskingKey:
        if self._key is None:
            self._key = load_key(self.policy)
        return self._key

    def key_id(self) -> str | None:
        try:
            return self.key.key_id
        except Exception:
            return None

    def log(self, event: str, payload: dict[str, Any]) -> LedgerRecord | None:
        """Append an event for the current cell to this notebook's chain.

        When the log cannot be written, see :mod:`.log_outage`: a gated event is refused under enforce
        (:class:`LogUnavailable`), any other is kept and replayed later (returns None meanwhile).
        """
        with self._lock:
            if not self.started and event != "session_start":
                self.start()
            cell = self.cell
            try:
                self.outage.replay(self._append)
                return self._append(event, payload, cell)
            except LedgerError as exc:
                self._drop_store()
                self.outage.failed(event, payload, cell, exc, self.policy.enforcement == "enforce")
                return None

    def _append(self, event: str, payload: dict[str, Any], cell: CellContext) -> LedgerRecord:
        return self.store.append(
            self.notebook,
            event,
            self.labels.sanitise(payload),  # column names and index labels can be values
            kernel_id=self.kernel_id,
            cell_id=cell.cell_id,
            execution_count=cell.execution_count,
            code_sha256=cell.code_sha256,
            policy_sha256=self.loaded.sha256,
        )

    def _drop_store(self) -> None:
        """Forget a store that failed, so the next event opens (reconnects) it afresh."""
        store, self._store = self._store, None
        if store is not None:
            with contextlib.suppress(Exception):
                store.close()

    def start(self) -> LedgerRecord | None:
        """``session_start``: which policy, key and versions this kernel works under."""
        self.started = True
        return self.log(
            "session_start",
            {
                "policy_source": self.loaded.source,
                "policy_default": self.loaded.is_default,
                "enforcement": self.policy.enforcement,
                "interception": self.policy.interception.enabled,
                "key_id": self.key_id(),
                # the server tells a live session from one whose process is gone (killed, crashed)
                "pid": os.getpid(),
                "versions": {
                    "jupyter_privacy": __version__,
                    "python": platform.python_version(),
                    "pandas": pd.__version__,
                },
            },
        )

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    # -- purpose --------------------------------------------------------------------------------

    def declare_purpose(
        self, purpose_id: str, basis: str | None, reference: str | None = None, art9: str | None = None
    ) -> Declaration:
        """Declare why raw personal data may be needed; refused (and the refusal logged) unless the
        policy allows it exactly."""
        try:
            purpose, basis = check_declaration(
                self.policy, self.loaded.source, purpose_id, basis, reference, art9
            )
        except DeclarationRefused as exc:
            self.log("purpose_refused", exc.record)
            raise
        with self._lock:
            if self.declaration is not None and self.declaration.purpose.id != purpose.id:
                self.revoke_grants(f"purpose changed to {purpose.id}")
            declaration = Declaration(purpose, basis, reference, art9, _now())
            self.log("purpose_declared", declaration.to_dict())  # first: enforce refuses it unlogged
            self.declaration = declaration
        return declaration

    # -- loading --------------------------------------------------------------------------------

    def load(
        self,
        source: str | Path,
        *,
        sheet: str | int | None = None,
        variable: str | None = None,
        columns: list[str] | None = None,
    ) -> pd.DataFrame:
        """Read a file (only ``columns`` if given), find its personal data, and return the masked frame."""
        path = Path(source).expanduser()
        try:
            df = _as_internal(lambda: read_table(path, sheet=sheet, columns=columns))
            headerless = columns is None and header_is_data(df, self.labels.personal(df.columns))
            if headerless:  # the "header" is a person: the file has no header row (or is keyed by people)
                df = _as_internal(lambda: read_table(path, sheet=sheet, labels_are_data=True))
        except DataReadError as exc:
            raise LoadError(str(exc)) from None
        # the content hash (hashlib releases the GIL) is computed while the frame is scanned and masked
        with ThreadPoolExecutor(max_workers=1) as hasher:
            content = hasher.submit(_file_sha256, path)
            return self.govern(
                df,
                source=str(path.resolve()),
                content_sha256=content,
                reread=lambda: read_table(path, sheet=sheet, labels_are_data=headerless, columns=columns),
                variable=variable,
            )

    def load_sql(self, query: str, con: Any, *, variable: str | None = None) -> pd.DataFrame:
        """Run a SQL query (SQLAlchemy URL or DB-API connection) and return the masked result."""
        try:
            df = _as_internal(lambda: pd.read_sql(query, con))
        except Exception as exc:
            raise LoadError(
                f"the SQL query could not be run ({type(exc).__name__}: {describe_error(exc, 160)})"
            ) from None
        where = con if isinstance(con, str) else type(con).__name__
        source = f"sql:{_redact_url(where)}#{hashlib.sha256(query.encode()).hexdigest()[:12]}"
        return self.govern(
            df,
            source=source,
            content_sha256=frame_sha256(df),
            reread=lambda: pd.read_sql(query, con),
            variable=variable,
        )

    def govern(
        self,
        df: pd.DataFrame,
        *,
        source: str,
        content_sha256: str | Future[str],
        reread: Callable[[], pd.DataFrame],
        variable: str | None = None,
    ) -> pd.DataFrame:
        """Scan, mask and log a freshly read frame; returns the masked frame tagged with its dataset."""
        key = self.key  # a missing key fails here, before anything is logged
        df = flatten_nested(df)
        reread = _flattened(reread)
        shape = (int(df.shape[0]), int(df.shape[1]))
        df, index = self.labels.prepare(df)  # index labels scanned as columns; personal names tokenised
        self._stage("scanning")
        scan = scan_dataframe(df, self.loaded, source=source)
        self._stage("masking")
        masked = mask_frame(df, scan, self.policy, key, inplace=True)  # raw columns freed as they go
        self._stage("logging")
        if isinstance(content_sha256, Future):
            content_sha256 = content_sha256.result()
        dataset = Dataset(
            id=f"ds-{content_sha256[:12]}",
            source=source,
            content_sha256=content_sha256,
            shape=shape,
            scan=scan,
            masking=masked,
            loaded_at=_now(),
            reread=reread,
            variable=variable,
        )
        frame = self.labels.finish(masked.frame, index)
        tag(frame, [dataset.id])
        payload = self._loaded_payload(dataset)
        # erasure look-ups (Art. 17): keyed fingerprints of the direct identifiers, filter hash in the log
        fingerprints = record_fingerprints(self.policy.log, df, masked, key)
        unsearchable_warning(fingerprints, self.labels.path(source))
        if fingerprints is not None:
            payload["fingerprints"] = fingerprints
        with self._lock:
            self.log("dataset_loaded", payload)  # first: under enforce a log failure refuses the load
            self.datasets[dataset.id] = dataset
        return frame

    def _stage(self, name: str) -> None:
        if self.progress is not None:
            self.progress(name)

    def _loaded_payload(self, ds: Dataset) -> dict[str, Any]:
        return {
            "dataset": ds.id,
            "source": ds.source,
            "content_sha256": ds.content_sha256,
            "shape": list(ds.shape),
            "variable": ds.variable,
            "sampled_rows": ds.scan.sampled_rows,
            "findings": [{k: v for k, v in c.to_dict().items() if k != "reasons"} for c in ds.scan.columns],
            "masking": ds.masking.to_dict(),
            "reidentification": ds.scan.reidentification.to_dict() if ds.scan.reidentification else None,
        }

    # -- unmasking ------------------------------------------------------------------------------

    def unmask(self, df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
        """A copy of ``df`` with raw values in ``columns``, if the declared purpose allows them."""
        ids = datasets_of(df)
        if not ids:
            raise UnmaskDenied(
                "this frame was not loaded through jupyter-privacy, so it holds no masked columns"
            )
        dataset = self._dataset_for(ids, columns)
        if dataset.engine != "pandas":  # a toPandas() of a governed Spark frame
            raise UnmaskDenied(
                f"this frame was converted from a {dataset.engine} DataFrame of {dataset.id}; unmask that "
                "DataFrame (jupyter_privacy.unmask(spark_df, columns)), then convert it"
            )
        try:
            check_requested(df, dataset.scan, dataset.source, columns)
        except UnmaskDenied as exc:  # a name typed may be a value (a column named by a person)
            raise UnmaskDenied(self.labels.message(str(exc), columns, [dataset.source])) from None
        reason = self._refusal(dataset, columns)
        if reason is not None:
            self.log("unmask_denied", self._grant_payload(dataset, columns, reason))
            if self.policy.enforcement == "enforce" or self.declaration is None:
                raise UnmaskDenied(reason)
            warnings.warn(f"policy violation recorded (enforcement: warn): {reason}", stacklevel=3)
        rows = self._aligned(df, dataset, columns)
        out = df.copy()
        for column in columns:
            out[column] = rows[column].to_numpy()
        with self._lock:
            assert self.declaration is not None
            grant = Grant(dataset.id, list(columns), self.declaration.purpose.id, [weakref.ref(out)])
            # the index first (it hands nothing out): values that could not be kept out of saved
            # notebooks refuse the grant before it is logged
            for listener in self.grant_listeners:
                listener(grant, rows)
            # then the log: under enforce a log failure refuses the grant before anything is handed out
            self.log("unmask_granted", {"grant": grant.id, **self._grant_payload(dataset, columns, reason)})
            self.grants.append(grant)
        return out

    def _aligned(self, df: pd.DataFrame, dataset: Dataset, columns: list[str]) -> pd.DataFrame:
        """The raw values of ``columns`` for the rows of ``df``. A refusal here (the source changed
        since the load, rows that cannot be aligned) is a refusal of raw access: logged like one."""
        try:
            raw = self._reread(dataset)
            wanted = {str(c) for c in [*df.columns, *df.index.names, *columns] if c is not None}
            return align(df, source_columns(raw, dataset.scan, wanted, self._remask), columns)
        except (UnmaskDenied, LoadError) as exc:
            reason = self.labels.message(str(exc), columns, [dataset.source])
            self.log("unmask_denied", self._grant_payload(dataset, columns, reason))
            raise type(exc)(reason) from None

    def _dataset_for(self, ids: list[str], columns: list[str]) -> Dataset:
        """The one dataset (of those a frame derives from) whose columns are requested."""
        unknown = [i for i in ids if i not in self.datasets]
        if unknown:
            raise UnmaskDenied(
                f"dataset {', '.join(unknown)} was loaded in another kernel session; load it again here"
            )
        if len(ids) == 1:
            return self.datasets[ids[0]]
        holders = [i for i in ids if set(columns) <= {f.name for f in self.datasets[i].scan.columns}]
        if len(holders) != 1:
            raise UnmaskDenied(
                f"this frame combines several datasets ({', '.join(ids)}); unmask the source frames "
                "before joining them, or name columns of only one of them "
                f"({'they are in ' + ', '.join(holders) if holders else 'no dataset has them all'})"
            )
        return self.datasets[holders[0]]

    def _remask(self, frame: pd.DataFrame, scan: ScanResult) -> pd.DataFrame:
        return mask_frame(frame, scan, self.policy, self.key, inplace=True).frame

    def _refusal(self, dataset: Dataset, columns: list[str]) -> str | None:
        decl = self.declaration
        if decl is None:
            purposes = ", ".join(p.id for p in self.policy.purposes)
            hint = (
                f"declare one first, e.g. %privacy_purpose <id> --basis <basis> --ref <reference> "
                f"(purposes: {purposes})"
                if purposes
                else "the policy defines no purposes, so nothing can be unmasked; ask the admin"
            )
            return f"no purpose declared: {hint}"
        findings = [(c, dataset.finding(c)) for c in columns]
        return gate_refusal(self.policy, decl.purpose, decl.art9_condition, findings)

    def _grant_payload(self, dataset: Dataset, columns: list[str], reason: str | None) -> dict[str, Any]:
        decl = self.declaration
        return {
            "dataset": dataset.id,
            "columns": [
                {"name": c, "category": dataset.finding(c).category, "entities": dataset.finding(c).entities}
                for c in columns
            ],
            "purpose": decl.purpose.id if decl else None,
            "lawful_basis": decl.basis if decl else None,
            "reference": decl.reference if decl else None,
            "art9_condition": decl.art9_condition if decl else None,
            "enforcement": self.policy.enforcement,
            "reason": reason,
        }

    def _reread(self, dataset: Dataset) -> pd.DataFrame:
        try:
            raw = _as_internal(dataset.reread)
        except (DataReadError, OSError) as exc:
            raise LoadError(f"the source of {dataset.id} cannot be read again for unmasking: {exc}") from None
        # files by their bytes; SQL results, chunks, sheets and in-memory sources by their contents
        sha = _file_sha256(Path(dataset.source)) if Path(dataset.source).is_file() else frame_sha256(raw)
        if sha != dataset.content_sha256:
            raise LoadError(
                f"the source {dataset.source} changed since it was loaded (content hash differs); "
                "load it again before unmasking"
            )
        return self.labels.as_scanned(raw)

    def end_purpose(self) -> Declaration:
        """End the declared purpose: every grant made under it is revoked, then ``purpose_ended`` logged."""
        with self._lock:
            decl = self.declaration
            if decl is None:
                raise PurposeError("no purpose is declared, so there is none to end")
            self.revoke_grants(f"purpose {decl.purpose.id} ended")
            self.declaration = None
            self.log("purpose_ended", {"purpose": decl.purpose.id, "declared_at": decl.declared_at})
        return decl

    def revoke_grants(self, why: str) -> int:
        """Mask again every column handed out raw under the current purpose; logs ``grants_revoked``."""
        with self._lock:
            grants = [{"dataset": g.dataset, "columns": g.columns, "purpose": g.purpose} for g in self.grants]
            self.revoked_grants.update(g.id for g in self.grants)
            undone: dict[str, int] = {}
            for hook in self.revoke_hooks if self.grants else []:
                for what, count in hook(list(self.grants)).items():
                    undone[what] = undone.get(what, 0) + count
            revoked = self._remask_granted()
            if grants:
                payload = {"reason": why, "grants": grants, "columns_masked_again": revoked}
                payload.update(undone)
                self.log("grants_revoked", payload)
        return revoked

    def _remask_granted(self) -> int:
        revoked = 0
        for grant in self.grants:
            for ref in grant.frames:
                frame = ref()
                dataset = self.datasets.get(grant.dataset)
                if frame is None or dataset is None:
                    continue
                for column in grant.columns:
                    if column not in frame.columns:
                        continue
                    position = list(frame.columns).index(column)
                    single = pd.DataFrame({column: frame[column]})
                    rescan = ScanResult(
                        source=dataset.source,
                        rows=len(single),
                        sampled_rows=0,
                        columns=[dataset.finding(column)],
                    )
                    masked = mask_frame(single, rescan, self.policy, self.key).frame
                    frame.isetitem(position, masked.iloc[:, 0])
                    revoked += 1
        self.grants.clear()
        return revoked

    # -- status ---------------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        head: dict[str, Any] | None = None
        try:
            head = self._log_head()
        except Exception as exc:
            head = {"error": str(exc)}
        return {
            "notebook": self.notebook,
            "kernel_id": self.kernel_id,
            "policy": {
                "source": self.loaded.source,
                "sha256": self.loaded.sha256,
                "default": self.loaded.is_default,
                "enforcement": self.policy.enforcement,
            },
            "key_id": self.key_id(),
            "purpose": self.declaration.to_dict() if self.declaration else None,
            "datasets": [self.labels.sanitise(d.summary()) for d in self.datasets.values()],
            "grants": [
                {"dataset": g.dataset, "columns": g.columns, "purpose": g.purpose} for g in self.grants
            ],
            "log_head": head,
        }

    def _log_head(self) -> dict[str, Any] | None:
        """The chain's head; its event only when this user wrote it (in a team log another user's notebook
        of the same path can share the chain, and what they did is not this user's to see)."""
        rec = self.store.head(self.notebook)
        if rec is None:
            return None
        event = rec.event if self.store.identity.wrote(rec) else None
        return {"seq": rec.seq, "hash": rec.hash, "event": event}


def _flattened(read: Callable[[], pd.DataFrame]) -> Callable[[], pd.DataFrame]:
    """A re-read that gives the frame the same (flattened) shape as the governed load."""
    return lambda: flatten_nested(read())


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(8 * 1024 * 1024), b""):
            h.update(block)
    return h.hexdigest()


def frame_sha256(df: pd.DataFrame) -> str:
    """A content hash of a frame (for sources that are not files: SQL results, in-memory frames)."""
    hashed = pd.util.hash_pandas_object(df, index=False).to_numpy()
    h = hashlib.sha256(hashed.tobytes())
    h.update("\x1f".join(map(str, df.columns)).encode("utf-8"))
    return h.hexdigest()


def _redact_url(url: str) -> str:
    """A database URL without its password."""
    import re

    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


_SESSION: PrivacySession | None = None


def current_session(shell: Any | None = None) -> PrivacySession:
    """The session of this process (created on first use, e.g. by the Python API in a script)."""
    global _SESSION
    if _SESSION is None:
        _SESSION = PrivacySession(shell)
    return _SESSION


def set_session(session: PrivacySession | None) -> None:
    global _SESSION
    if _SESSION is not None and session is not _SESSION:
        _SESSION.close()
    _SESSION = session
