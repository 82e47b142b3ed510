"""The REST API of the server extension, through a real jupyter_server (pytest-jupyter)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jupyter_server.auth.authorizer import Authorizer
from tornado.httpclient import HTTPClientError

from jupyter_privacy import __version__
from jupyter_privacy.ledger import SqliteLedgerStore


async def get_json(jp_fetch: Any, endpoint: str, **params: str) -> dict[str, Any]:
    response = await jp_fetch("jupyter-privacy", endpoint, params=params)
    assert response.code == 200
    return json.loads(response.body)


async def status_of(jp_fetch: Any, *parts: str, **kwargs: Any) -> int:
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch(*parts, **kwargs)
    return err.value.code


async def test_health(jp_fetch: Any) -> None:
    assert await get_json(jp_fetch, "health") == {"status": "ok", "version": __version__}


async def test_policy_lists_purposes_and_never_the_key(jp_fetch: Any, policy_file: Path) -> None:
    body = await get_json(jp_fetch, "policy")
    assert body["source"] == str(policy_file)
    assert body["default"] is False
    assert body["enforcement"] == "enforce"
    assert body["server"] == {"poll_interval": 7.5}
    purposes = {p["id"]: p for p in body["purposes"]}
    assert set(purposes) == {"churn-model", "marketing-consent", "clinical-research"}
    assert purposes["churn-model"]["lawful_bases"] == ["legitimate_interest"]
    assert purposes["churn-model"]["reference"]["pattern"] == r"^LIA-\d{4}-\d{3}$"
    assert purposes["marketing-consent"]["reference"]["registry"] == ["CONSENT-2026A1", "CONSENT-2026B7"]
    assert purposes["clinical-research"]["special_categories"] == {
        "allowed": ["HEALTH"],
        "art9_condition": "explicit_consent",
    }
    assert body["key"] == {"source": "env", "env_var": "JUPYTER_PRIVACY_KEY"}


async def test_policy_says_when_the_builtin_default_is_in_use(
    jp_fetch: Any, jp_serverapp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jp_serverapp.web_app.settings["jupyter_privacy_service"].settings, "policy_path", "")
    monkeypatch.delenv("JUPYTER_PRIVACY_POLICY", raising=False)
    monkeypatch.setattr("jupyter_core.paths.SYSTEM_CONFIG_PATH", [])
    monkeypatch.setattr("jupyter_core.paths.ENV_CONFIG_PATH", [])
    body = await get_json(jp_fetch, "policy")
    assert body["default"] is True
    assert body["purposes"] == []


async def test_state_derives_purpose_datasets_grants_and_timeline(
    jp_fetch: Any, notebook: Any, session_log: Any
) -> None:
    nb = notebook("work/churn.ipynb")
    session_log(nb)
    state = await get_json(jp_fetch, "state", path="work/churn.ipynb")

    assert state["path"] == "work/churn.ipynb"
    assert state["chains"] == [str(nb)]
    assert state["purpose"]["purpose"] == "churn-model"
    assert state["purpose"]["lawful_basis"] == "legitimate_interest"
    [dataset] = state["datasets"]
    assert dataset["variable"] == "customers"
    assert dataset["reidentification"]["k"] == 1
    flagged = {c["name"]: c for c in dataset["flagged"]}
    assert set(flagged) == {"email", "diagnosis", "date_of_birth"}  # `amount` is not personal data
    assert flagged["email"]["unmasked"] is True
    assert flagged["diagnosis"]["unmasked"] is False
    assert flagged["diagnosis"]["strategy"] == "redact"
    assert state["grants"][0]["columns"] == ["email"]
    counts = [(g["execution_count"], [e["event"] for e in g["events"]]) for g in state["timeline"]]
    assert counts[-1] == (5, ["output_written", "model_trained"])
    assert state["records"] == 6


async def test_state_after_a_kernel_restart_starts_without_purpose(
    jp_fetch: Any, notebook: Any, session_log: Any, store_path: Path
) -> None:
    nb = notebook("a.ipynb")
    session_log(nb)
    with SqliteLedgerStore(store_path) as ledger:
        ledger.append(
            str(nb), "session_start", {"policy_default": False}, kernel_id="k2", policy_sha256="0" * 64
        )
    state = await get_json(jp_fetch, "state", path="a.ipynb")
    assert state["purpose"] is None
    assert state["datasets"] == []
    assert len(state["timeline"]) == 6  # the history is kept


async def test_records_and_verify(jp_fetch: Any, notebook: Any, session_log: Any, store_path: Path) -> None:
    nb = notebook("b.ipynb")
    session_log(nb)
    records = await get_json(jp_fetch, "records", path="b.ipynb")
    assert [r["seq"] for r in records["records"]] == [1, 2, 3, 4, 5, 6]
    assert {r["notebook"] for r in records["records"]} == {str(nb)}
    verified = await get_json(jp_fetch, "verify", path="b.ipynb")
    assert verified["ok"] is True
    assert verified["chains"][0]["records_checked"] == 6

    import sqlite3

    with sqlite3.connect(store_path) as con:  # tamper with one payload, as someone with file access could
        con.execute("DROP TRIGGER IF EXISTS records_no_update")
        con.execute("UPDATE records SET payload = replace(payload, 'churn-model', 'other') WHERE seq = 3")
    verified = await get_json(jp_fetch, "verify", path="b.ipynb")
    assert verified["ok"] is False
    assert verified["chains"][0]["problem"]["kind"] == "edited"


async def test_notebook_without_records_has_an_empty_state(jp_fetch: Any, notebook: Any) -> None:
    notebook("empty.ipynb")
    state = await get_json(jp_fetch, "state", path="empty.ipynb")
    assert state["purpose"] is None and state["datasets"] == [] and state["records"] == 0


async def test_export_json_and_html_downloads_and_logs_the_export(
    jp_fetch: Any, notebook: Any, session_log: Any
) -> None:
    nb = notebook("c d.ipynb")
    session_log(nb)
    response = await jp_fetch(
        "jupyter-privacy", "export", method="POST", body=json.dumps({"path": "c d.ipynb", "format": "json"})
    )
    assert response.headers["Content-Type"].startswith("application/json")
    assert 'filename="c_d-processing-record.json"' in response.headers["Content-Disposition"]
    record = json.loads(response.body)  # the Article 30 record of jupyter_privacy.records
    assert record["notebooks"] == [str(nb)]
    assert record["controller"]["name"] == "Example Retail B.V."
    assert "churn-model" in response.body.decode()

    response = await jp_fetch(
        "jupyter-privacy", "export", method="POST", body=json.dumps({"path": "c d.ipynb", "format": "html"})
    )
    assert response.headers["Content-Type"].startswith("text/html")
    assert b"<table" in response.body

    response = await jp_fetch(
        "jupyter-privacy", "export", method="POST", body=json.dumps({"path": "c d.ipynb", "format": "csv"})
    )
    assert response.headers["Content-Type"].startswith("text/csv")

    records = await get_json(jp_fetch, "records", path="c d.ipynb")
    exports = [r for r in records["records"] if r["event"] == "record_exported"]
    assert [e["payload"]["format"] for e in exports] == ["json", "html", "csv"]
    assert (await get_json(jp_fetch, "verify", path="c d.ipynb"))["ok"] is True


async def test_export_rejects_unknown_format(jp_fetch: Any, notebook: Any) -> None:
    notebook("e.ipynb")
    body = json.dumps({"path": "e.ipynb", "format": "pdf"})
    assert await status_of(jp_fetch, "jupyter-privacy", "export", method="POST", body=body) == 400


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("../outside.ipynb", 400),
        ("work/../../outside.ipynb", 400),
        ("/etc/passwd", 400),
        ("..\\outside.ipynb", 400),
        ("", 400),
        ("missing.ipynb", 404),
        ("escape/outside.ipynb", 404),  # a symlink pointing out of the root
    ],
)
async def test_notebook_paths_are_contained_in_the_root(
    jp_fetch: Any, jp_root_dir: Path, tmp_path: Path, path: str, code: int
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "outside.ipynb").write_text("{}")
    (jp_root_dir / "escape").symlink_to(outside, target_is_directory=True)
    for endpoint in ("state", "records", "verify"):
        assert await status_of(jp_fetch, "jupyter-privacy", endpoint, params={"path": path}) == code
    body = json.dumps({"path": path, "format": "json"})
    assert await status_of(jp_fetch, "jupyter-privacy", "export", method="POST", body=body) == code


async def test_nul_bytes_in_notebook_paths_are_refused(jp_fetch: Any, notebook: Any) -> None:
    notebook("nb.ipynb")
    body = json.dumps({"path": "nb.ipynb\x00.txt", "format": "json"})
    assert await status_of(jp_fetch, "jupyter-privacy", "export", method="POST", body=body) == 400
    # tornado turns control characters of query arguments into spaces: a name that does not exist
    params = {"path": "nb.ipynb\x00.txt"}
    assert await status_of(jp_fetch, "jupyter-privacy", "state", params=params) == 404


async def test_every_endpoint_needs_credentials(jp_fetch: Any, notebook: Any) -> None:
    notebook("f.ipynb")
    no_token = {"Authorization": ""}
    for endpoint in ("health", "policy", "state", "records", "verify"):
        code = await status_of(
            jp_fetch, "jupyter-privacy", endpoint, params={"path": "f.ipynb"}, headers=no_token
        )
        assert code == 403, endpoint
    body = json.dumps({"path": "f.ipynb", "format": "json"})
    code = await status_of(jp_fetch, "jupyter-privacy", "export", method="POST", body=body, headers=no_token)
    assert code == 403


async def test_cookie_only_post_without_xsrf_token_is_refused(
    jp_fetch: Any, notebook: Any, jp_serverapp: Any
) -> None:
    notebook("g.ipynb")
    login = await jp_fetch(
        "login",
        params={"token": jp_serverapp.identity_provider.token},
        headers={"Authorization": ""},
        follow_redirects=False,
        raise_error=False,
    )
    cookies = "; ".join(c.split(";", 1)[0] for c in login.headers.get_list("Set-Cookie"))
    assert "username-" in cookies  # logged in by cookie
    cookie_only = {"Authorization": "", "Cookie": cookies}
    # the cookie alone authenticates a GET ...
    ok = await jp_fetch("jupyter-privacy", "state", params={"path": "g.ipynb"}, headers=cookie_only)
    assert ok.code == 200
    # ... but a POST with the cookie and no _xsrf token (what a cross-site form would send) is refused
    body = json.dumps({"path": "g.ipynb", "format": "json"})
    code = await status_of(
        jp_fetch, "jupyter-privacy", "export", method="POST", body=body, headers=cookie_only
    )
    assert code == 403
    cookie_only["Cookie"] += "; _xsrf=5eed"
    code = await status_of(
        jp_fetch, "jupyter-privacy", "export", method="POST", body=body, headers=cookie_only
    )
    assert code == 403  # an _xsrf cookie without the matching header is not enough either
    with_token = {**cookie_only, "X-XSRFToken": "5eed"}
    response = await jp_fetch("jupyter-privacy", "export", method="POST", body=body, headers=with_token)
    assert response.code == 200


class DenyPrivacyRecords(Authorizer):
    """An admin's authorizer: everything except the jupyter_privacy resource."""

    def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        return resource != "jupyter_privacy"


@pytest.fixture
def deny_privacy(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    jp_server_config["ServerApp"]["authorizer_class"] = DenyPrivacyRecords
    return jp_server_config


async def test_auth_resource_lets_admins_restrict_access(
    deny_privacy: dict[str, Any], jp_fetch: Any, notebook: Any
) -> None:
    notebook("h.ipynb")
    assert (await jp_fetch("api", "contents", "h.ipynb")).code == 200
    for endpoint in ("health", "policy", "state", "records", "verify"):
        assert await status_of(jp_fetch, "jupyter-privacy", endpoint, params={"path": "h.ipynb"}) == 403
    body = json.dumps({"path": "h.ipynb", "format": "json"})
    assert await status_of(jp_fetch, "jupyter-privacy", "export", method="POST", body=body) == 403
