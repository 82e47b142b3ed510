"""What the REST API does, without tornado: policy, a notebook's records and state, verification, export.

A notebook is named by its absolute OS path (as in the log). Its records may sit in several chains when it
was renamed (see :mod:`.aliases`); they are merged in time order and every chain is verified. The server
shows its own user's records only: in a team log another user's notebook can have the same path (every
container's root is ``/home/jovyan``), and its records are on the same chain.
"""

from __future__ import annotations

import html
import importlib
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..ledger import LedgerError, LedgerStore, SqliteLedgerStore, open_store, verify_chain
from ..ledger.identity import current_identity
from ..policy import LoadedPolicy, load_policy
from ..records.aliases import AliasMap, alias_fields
from ..records.witness_report import apply_witness
from .config import JupyterPrivacy
from .paths import chain_candidates
from .state import notebook_state, policy_summary
from .state_cache import StateCache

EXPORT_FORMATS = ("json", "html", "csv")
_log = logging.getLogger(__name__)


class ExportUnavailable(Exception):
    """The requested export format needs the Article 30 module, which is not installed."""


class PrivacyService:
    """The server's view of the policy and the processing log, configured by :class:`JupyterPrivacy`."""

    def __init__(self, settings: JupyterPrivacy) -> None:
        self.settings = settings
        self.aliases = AliasMap(settings.alias_path)
        self.views = StateCache()
        self.push: Any = None  # the LogPush of a PostgreSQL team log, once the server runs (see .push)
        self.identity = current_identity()  # whose notebooks this server shows (user and named server)
        self.user = self.identity.user

    # -- policy and store -----------------------------------------------------------------------

    def loaded_policy(self) -> LoadedPolicy:
        """The policy in effect (read on every call, so an admin's edit shows without a restart)."""
        return load_policy(self.settings.policy_path or None)

    def policy(self) -> dict[str, Any]:
        return policy_summary(self.loaded_policy(), self.settings.poll_interval)

    def store_path(self, loaded: LoadedPolicy) -> Path:
        if self.settings.store_path:
            return Path(self.settings.store_path).expanduser()
        return loaded.policy.log.resolved_path()

    def _writer(self, loaded: LoadedPolicy) -> LedgerStore:
        if self.settings.store_path:
            return SqliteLedgerStore(self.store_path(loaded))
        return open_store(loaded)

    def _reader(self, loaded: LoadedPolicy) -> LedgerStore | None:
        """The log opened read-only, or None when nothing was logged yet (no store file)."""
        if not self.settings.store_path and loaded.policy.log.store != "sqlite":
            return open_store(loaded, readonly=True)  # a team database: it exists or it is an error
        path = self.store_path(loaded)
        if not path.exists():
            return None
        return SqliteLedgerStore(path, readonly=True)

    # -- records --------------------------------------------------------------------------------

    def _chains(self, os_path: str) -> tuple[set[str], list[str]]:
        owners = set(chain_candidates(os_path))
        chains: set[str] = set()
        for candidate in owners:
            chains.update(self.aliases.chains_for(candidate))
        return owners, sorted(chains)

    def _belongs(self, owners: set[str]) -> Callable[[str, Any], bool]:
        """Whether a record (or its dict) of a chain is this user's record of the notebook at ``owners``."""

        def keep(chain: str, record: Any) -> bool:
            data = record if isinstance(record, dict) else alias_fields(record)
            return self.identity.wrote(data) and self.aliases.owner(chain, data) in owners

        return keep

    def _collect(self, store: LedgerStore, os_path: str) -> tuple[list[dict[str, Any]], list[str]]:
        owners, chains = self._chains(os_path)
        keep = self._belongs(owners)
        merged: list[tuple[str, str, int, dict[str, Any]]] = []
        used: list[str] = []
        for chain in chains:
            mine = [data for r in store.records(chain) if keep(chain, data := r.to_dict())]
            if mine:
                used.append(chain)
            merged.extend((r["ts"], chain, r["seq"], r) for r in mine)
        merged.sort(key=lambda item: item[:3])
        return [item[3] for item in merged], used

    def records(self, os_path: str) -> tuple[list[dict[str, Any]], list[str]]:
        """The notebook's records in time order and the chain ids they came from."""
        loaded = self.loaded_policy()
        store = self._reader(loaded)
        if store is None:
            return [], []
        with store:
            return self._collect(store, os_path)

    def state(self, os_path: str) -> dict[str, Any]:
        """The sidebar state, from the incrementally kept view (see :mod:`.state_cache`)."""
        loaded = self.loaded_policy()
        store = self._reader(loaded)
        if store is None:
            return {"chains": [], **notebook_state([])}
        owners, chains = self._chains(os_path)
        key = (store.location, len(self.aliases.aliases), tuple(chains))
        with store:
            return self.views.state(store, os_path, chains, self._belongs(owners), key)

    def timeline_page(self, os_path: str, before: int, limit: int) -> list[dict[str, Any]]:
        """Older timeline cells for the sidebar's "show more" (after a state read)."""
        return self.views.timeline_page(os_path, before, limit)

    def verify(self, os_path: str) -> dict[str, Any]:
        """Verify every chain holding records of the notebook, and check it against the witness's signed
        checkpoints when the policy names them; ``ok`` only if all of that holds."""
        loaded = self.loaded_policy()
        store = self._reader(loaded)
        if store is None:
            return {"ok": True, "chains": []}
        with store:
            _, chains = self._collect(store, os_path)
            reports = [verify_chain(store, chain).to_dict() for chain in chains]
            result = {
                "verification": {"ok": all(r["ok"] for r in reports), "problem": None, "chains": reports}
            }
            apply_witness(result, store, loaded, chains or chain_candidates(os_path)[:1])
        return result["verification"]

    # -- export ---------------------------------------------------------------------------------

    def export(self, os_path: str, fmt: str) -> tuple[str, str]:
        """The notebook's processing record as (text, content type); logs ``record_exported``.

        Uses the Article 30 builder (:mod:`jupyter_privacy.records.article30`) when it is installed,
        otherwise a record of the notebook's log and its verification (json or html).
        """
        loaded = self.loaded_policy()
        article30 = _article30()
        if article30 is not None:
            with self._writer(loaded) as store:
                chains = self._collect(store, os_path)[1] or chain_candidates(os_path)[:1]
                owners = self._chains(os_path)[0]
                record = article30.build_record(store, loaded, chains, self._belongs(owners))
                apply_witness(
                    record, store, loaded, chains
                )  # a rolled-back or deleted chain fails the banner
            text, content_type = article30.render(record, fmt)
        elif fmt == "csv":
            raise ExportUnavailable(
                "csv export needs the Article 30 module (jupyter_privacy.records.article30); use json or html"
            )
        else:
            record = self.fallback_record(loaded, os_path)
            text, content_type = _render_fallback(record, fmt)
        self._log_export(loaded, os_path, fmt)
        return text, content_type

    def fallback_record(self, loaded: LoadedPolicy, os_path: str) -> dict[str, Any]:
        records, _ = self.records(os_path)
        verification = self.verify(os_path)
        policy = loaded.policy
        return {
            "notebook": os_path,
            "controller": policy.controller.model_dump(mode="json"),
            "dpo": policy.dpo.model_dump(mode="json") if policy.dpo else None,
            "policy": {"source": loaded.source, "sha256": loaded.sha256, "default": loaded.is_default},
            "verification": verification,
            "records": records,
        }

    def _log_export(self, loaded: LoadedPolicy, os_path: str, fmt: str) -> None:
        """Record the export in the notebook's own chain; an unwritable log does not block the export."""
        try:
            with self._writer(loaded) as store:
                store.append(
                    os_path,
                    "record_exported",
                    {"format": fmt, "via": "jupyter_server"},
                    policy_sha256=loaded.sha256,
                )
        except (LedgerError, OSError) as exc:
            _log.warning("jupyter_privacy: export of %s not logged: %s", os_path, exc)


def _article30() -> Any:
    """The Article 30 module (built in parallel in ``jupyter_privacy.records``), or None if absent."""
    try:
        return importlib.import_module("jupyter_privacy.records.article30")
    except ImportError:
        return None


def _render_fallback(record: dict[str, Any], fmt: str) -> tuple[str, str]:
    if fmt == "json":
        return json.dumps(record, indent=2, ensure_ascii=False), "application/json"
    v = record["verification"]
    status = (
        "chain verified"
        if v["ok"]
        else "CHAIN BROKEN: "
        + "; ".join((c["problem"] or {}).get("message", "") for c in v["chains"] if not c["ok"])
    )
    rows = "".join(
        f"<tr><td>{r['seq']}</td><td>{html.escape(r['ts'])}</td><td>{html.escape(r['event'])}</td>"
        f"<td>{'' if r['execution_count'] is None else r['execution_count']}</td>"
        f"<td><code>{html.escape(json.dumps(r['payload'], ensure_ascii=False)[:300])}</code></td></tr>"
        for r in record["records"]
    )
    title = f"Processing record: {html.escape(record['notebook'])}"
    doc = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"<h1>{title}</h1><p>Controller: {html.escape(record['controller']['name'])}. "
        f"Policy {html.escape(record['policy']['source'])} (sha256 <code>{record['policy']['sha256']}</code>)"
        f"{' (built-in default)' if record['policy']['default'] else ''}.</p>"
        f"<p><b>{html.escape(status)}</b> ({len(record['records'])} records)</p>"
        "<table><tr><th>#</th><th>time</th><th>event</th><th>cell</th><th>details</th></tr>"
        f"{rows}</table></body></html>"
    )
    return doc, "text/html"
