"""Where unmask grants leave the keyed fingerprints of the raw values they handed out.

One small JSON file per grant in a folder beside the ledger (``<ledger>.grants/<grant id>.json``):
the grant id, notebook, dataset, purpose, column names, key id, and the :class:`RawValueIndex`
(64-bit keyed fingerprints, never a raw value). The kernel writes it when the grant is made; the
server's save hook reads all of them to find raw values in the outputs of a notebook being saved,
whichever notebook the grant was made in (a value copied into another notebook is caught as well).
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..ledger.private_files import make_private_dirs
from ..mask.raw_index import RawValueIndex

GRANTS_SUFFIX = ".grants"


def grants_dir(ledger_path: str | Path) -> Path:
    """The folder of grant fingerprint files of a ledger file."""
    p = Path(ledger_path)
    return p.with_name(p.name + GRANTS_SUFFIX)


@dataclass(frozen=True)
class GrantFingerprints:
    """What a save hook needs to know about one grant: who, what for, and which values."""

    grant: str
    notebook: str
    dataset: str
    purpose: str
    columns: tuple[str, ...]
    key_id: str
    index: RawValueIndex

    def to_json(self) -> dict[str, Any]:
        return {
            "grant": self.grant,
            "notebook": self.notebook,
            "dataset": self.dataset,
            "purpose": self.purpose,
            "columns": list(self.columns),
            "key_id": self.key_id,
            "lengths": list(self.index.lengths),
            "digests": base64.b64encode(self.index.digests.astype(">u8").tobytes()).decode("ascii"),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GrantFingerprints:
        digests = np.frombuffer(base64.b64decode(data["digests"]), dtype=">u8").astype(np.uint64)
        return cls(
            grant=str(data["grant"]),
            notebook=str(data["notebook"]),
            dataset=str(data["dataset"]),
            purpose=str(data["purpose"]),
            columns=tuple(map(str, data["columns"])),
            key_id=str(data["key_id"]),
            index=RawValueIndex(digests, tuple(int(n) for n in data["lengths"])),
        )


def write_grant(ledger_path: str | Path, grant: GrantFingerprints) -> Path:
    """Store one grant's fingerprints (atomically: a reader never sees half a file)."""
    folder = grants_dir(ledger_path)
    make_private_dirs(folder)  # as private as the log it belongs to (mkstemp files are 0600)
    target = folder / f"{grant.grant}.json"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(grant.to_json(), fh)
    os.replace(tmp, target)
    return target


def read_grants(ledger_path: str | Path) -> list[GrantFingerprints]:
    """Every grant stored beside the ledger; unreadable files raise (the caller decides how to fail)."""
    folder = grants_dir(ledger_path)
    if not folder.is_dir():
        return []
    grants = []
    for path in sorted(folder.glob("g-*.json")):
        grants.append(GrantFingerprints.from_json(json.loads(path.read_text("utf-8"))))
    return grants
