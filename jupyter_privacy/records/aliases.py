"""Notebook renames: which log records, written under an old notebook path, belong to the new one.

The kernel names its notebook once, when it starts (jupyter_server passes ``JPY_SESSION_NAME``), so after
a rename a running kernel keeps appending under the *old* path, and the records written before the
rename are under the old path too. The log is append-only and hash-chained, so records are never moved;
instead the server remembers each rename as an :class:`Alias` and attributes records at read time:

a record of chain ``old`` (or of a notebook below a renamed folder ``old/``) belongs to ``new`` when it was
written before the rename, or afterwards by a kernel that was running for the old path at rename time.
Records a *new* kernel writes for a new notebook that happens to reuse the old name stay with that name.
A rename moves only the renaming user's records (``user``; None in alias files written before users were
recorded): in a team log another user's notebook can have the same path (every container's root is
``/home/jovyan``) and was not renamed.

The jupyter_server extension records the aliases (it sees the renames); the CLI reads the same file, so
``jupyter-privacy export --notebook NEW.ipynb`` finds the records written under the old name.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..ledger.identity import written_by

ALIAS_FILENAME = "notebook-aliases.json"


def default_alias_path() -> str:
    """Where the server keeps renames unless ``c.JupyterPrivacy.alias_path`` says otherwise."""
    from jupyter_core.paths import jupyter_data_dir

    return os.path.join(jupyter_data_dir(), "jupyter-privacy", ALIAS_FILENAME)


def now_ts() -> str:
    """The current time in the log's timestamp format (so string comparison orders them)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Alias:
    """``old`` was renamed to ``new`` (absolute OS paths; files or folders) at ``at`` by ``user``."""

    old: str
    new: str
    at: str
    kernels: tuple[str, ...] = field(default=())
    user: str | None = None

    def moves(self, record: Mapping[str, Any]) -> bool:
        """Whether this rename carries ``record`` along (written before it, or by a kernel open then,
        and by the renaming user)."""
        if self.user is not None and not written_by(record, self.user):
            return False
        return record.get("ts", "") <= self.at or record.get("kernel_id") in self.kernels

    def covers(self, chain: str) -> bool:
        return chain == self.old or chain.startswith(self.old.rstrip(os.sep) + os.sep)

    def target(self, chain: str) -> str:
        return self.new + chain[len(self.old) :]


def alias_fields(record: Any) -> dict[str, Any]:
    """What :meth:`AliasMap.owner` (and the server's reader) read of a
    :class:`~jupyter_privacy.ledger.LedgerRecord`: when, from which kernel, by whom, from where."""
    return {"ts": record.ts, "kernel_id": record.kernel_id, "user": record.user, "server": record.server}


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


class AliasMap:
    """The renames seen by this server, persisted as JSON at ``path`` (written atomically)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._aliases: list[Alias] = self._read()

    def _read(self) -> list[Alias]:
        try:
            with open(self.path, encoding="utf-8") as fh:
                data = json.load(fh)
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            raise ValueError(
                f"cannot read the notebook alias file {self.path}: {exc} "
                "(fix or remove it; c.JupyterPrivacy.alias_path names it)"
            ) from None
        return [
            Alias(a["old"], a["new"], a["at"], tuple(a.get("kernels", ())), a.get("user"))
            for a in data.get("aliases", [])
            if isinstance(a, dict)
        ]

    def _write(self) -> None:
        folder = os.path.dirname(self.path)
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".aliases-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"aliases": [asdict(a) for a in self._aliases]}, fh, indent=1)
        os.replace(tmp, self.path)

    @property
    def aliases(self) -> list[Alias]:
        return list(self._aliases)

    def add(
        self,
        old: str,
        new: str,
        kernels: Iterable[str] = (),
        at: str | None = None,
        user: str | None = None,
    ) -> Alias:
        """Remember that ``user`` renamed ``old`` to ``new``; ``kernels`` were running for ``old`` then."""
        alias = Alias(old, new, at or now_ts(), tuple(sorted(set(kernels))), user)
        with self._lock:
            self._aliases.append(alias)
            self._write()
        return alias

    def owner(self, chain: str, record: Mapping[str, Any]) -> str:
        """The notebook path a record of chain ``chain`` belongs to now, following renames in order."""
        current = chain
        for alias in sorted(self._aliases, key=lambda a: a.at):
            if alias.covers(current) and alias.moves(record):
                current = alias.target(current)
        return current

    def chains_for(self, notebook: str) -> list[str]:
        """Every chain id whose records may belong to ``notebook`` (itself and its names before renames)."""
        found = {notebook}
        frontier = [notebook]
        while frontier:
            path = frontier.pop()
            for alias in self._aliases:
                if _under(path, alias.new):
                    earlier = alias.old + path[len(alias.new) :]
                    if earlier not in found:
                        found.add(earlier)
                        frontier.append(earlier)
        return sorted(found)

    def current_name(self, chain: str) -> str:
        """The name now of the notebook whose records were written under ``chain`` before any rename."""
        return self.owner(chain, {})

    def notebook_chains(self, notebook: str, known: Iterable[str]) -> list[str]:
        """The chains among ``known`` that hold records of ``notebook`` (under its current name)."""
        present = set(known)
        return [c for c in self.chains_for(notebook) if c in present]
