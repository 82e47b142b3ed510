"""A rename moves the renaming user's records only: another user's notebook of the same path (every
container's root is /home/jovyan) was not renamed. Alias files written before users were recorded keep
moving every record."""

from __future__ import annotations

import json
from pathlib import Path

from jupyter_privacy.records.aliases import AliasMap

OLD, NEW = "/home/jovyan/draft.ipynb", "/home/jovyan/churn.ipynb"


def test_a_rename_moves_only_the_renaming_users_records(tmp_path: Path) -> None:
    aliases = AliasMap(str(tmp_path / "aliases.json"))
    aliases.add(OLD, NEW, ["k-alice"], at="2026-12-03T10:00:00.000000Z", user="alice")
    before = {"ts": "2026-12-03T09:00:00.000000Z", "kernel_id": "k-alice"}
    assert aliases.owner(OLD, {**before, "user": "alice"}) == NEW
    assert aliases.owner(OLD, {**before, "user": "bob", "kernel_id": "k-bob"}) == OLD
    assert aliases.owner(OLD, {**before, "user": None}) == NEW  # a format-1 record names no user
    after = {"ts": "2026-12-03T11:00:00.000000Z", "kernel_id": "k-alice", "user": "alice"}
    assert aliases.owner(OLD, after) == NEW  # the kernel open at rename time keeps its old name
    assert aliases.owner(OLD, {**after, "kernel_id": "k-new"}) == OLD  # a new notebook at the old name
    reread = AliasMap(str(tmp_path / "aliases.json"))  # the user is persisted
    assert reread.owner(OLD, {**before, "user": "bob"}) == OLD


def test_an_alias_file_without_users_moves_every_record(tmp_path: Path) -> None:
    path = tmp_path / "aliases.json"
    path.write_text(json.dumps({"aliases": [{"old": OLD, "new": NEW, "at": "2026-12-03T10:00:00.000000Z"}]}))
    record = {"ts": "2026-12-03T09:00:00.000000Z", "kernel_id": "k", "user": "bob"}
    assert AliasMap(str(path)).owner(OLD, record) == NEW
