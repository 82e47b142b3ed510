"""The sidebar's export and the verify endpoint (real HTTP) check the chain against the witness's signed
checkpoints, as the CLI does: a truncated (head moved back) or deleted chain fails them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml

from jupyter_privacy.ledger import SqliteLedgerStore
from jupyter_privacy.ledger.witness import generate_keypair, load_private_key, sign_heads

EXAMPLE_POLICY = Path(__file__).resolve().parents[2] / "examples" / "privacy_policy.yaml"


@pytest.fixture
def policy_file(privacy_dir: Path) -> Path:
    admin = privacy_dir / "admin"
    admin.mkdir()
    generate_keypair(admin / "w.key", admin / "w.pub")
    data = yaml.safe_load(EXAMPLE_POLICY.read_text("utf-8"))
    data["log"] = {
        "path": str(privacy_dir / "ledger.sqlite3"),
        "checkpoints": str(admin / "checkpoints.jsonl"),
        "witness_public_key": str(admin / "w.pub"),
    }
    target = privacy_dir / "privacy_policy.yaml"
    target.write_text(yaml.safe_dump(data), "utf-8")
    return target


def sign(privacy_dir: Path, store_path: Path) -> None:
    with SqliteLedgerStore(store_path) as store:
        signed = sign_heads(store, load_private_key(privacy_dir / "admin" / "w.key"),
                            privacy_dir / "admin" / "checkpoints.jsonl")
    assert {f.kind for f in signed} == {"signed"}


def tamper(store_path: Path, notebook: str, keep: int | None) -> None:
    """Delete the chain's records after ``keep`` and move the head back (or delete the whole chain)."""
    with sqlite3.connect(store_path) as con:
        con.execute("DROP TRIGGER IF EXISTS records_no_delete")
        if keep is None:
            con.execute("DELETE FROM records WHERE notebook = ?", (notebook,))
            con.execute("DELETE FROM heads WHERE notebook = ?", (notebook,))
        else:
            con.execute("DELETE FROM records WHERE notebook = ? AND seq > ?", (notebook, keep))
            (h,) = con.execute("SELECT hash FROM records WHERE notebook = ? AND seq = ?", (notebook, keep)).fetchone()
            con.execute("UPDATE heads SET seq = ?, hash = ? WHERE notebook = ?", (keep, h, notebook))


async def export(jp_fetch: Any, path: str, fmt: str) -> str:
    response = await jp_fetch(
        "jupyter-privacy", "export", method="POST", body=json.dumps({"path": path, "format": fmt})
    )
    return str(response.body.decode("utf-8"))


@pytest.mark.parametrize(("keep", "kind"), [(3, "rolled_back"), (None, "deleted")])
async def test_a_chain_changed_after_its_checkpoint_fails_verify_and_the_export_banner(
    jp_fetch: Any, notebook: Any, session_log: Any, store_path: Path, privacy_dir: Path, keep: int | None,
    kind: str,
) -> None:
    nb = notebook("w.ipynb")
    session_log(nb)
    sign(privacy_dir, store_path)
    verified = json.loads((await jp_fetch("jupyter-privacy", "verify", params={"path": "w.ipynb"})).body)
    assert verified["ok"] is True and verified["witness"][0]["kind"] == "signed"
    assert "Processing log verified" in await export(jp_fetch, "w.ipynb", "html")

    tamper(store_path, str(nb), keep)
    verified = json.loads((await jp_fetch("jupyter-privacy", "verify", params={"path": "w.ipynb"})).body)
    assert verified["ok"] is False and [f["kind"] for f in verified["witness"]] == [kind]
    record = json.loads(await export(jp_fetch, "w.ipynb", "json"))
    assert record["verification"]["ok"] is False
    assert record["verification"]["witness"][0]["kind"] == kind
    page = await export(jp_fetch, "w.ipynb", "html")
    assert "THE PROCESSING LOG FAILED VERIFICATION" in page.split("<h2", 1)[0]
