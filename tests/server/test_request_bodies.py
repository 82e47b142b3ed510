"""Malformed POST bodies are the client's mistake: 400 with a message saying what to send, never a 500.

Through a real jupyter_server (pytest-jupyter's ``jp_fetch``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

BAD_BODIES: dict[str, tuple[bytes, str]] = {
    "a JSON list": (b'["nb.ipynb", "json"]', "a JSON object"),
    "a JSON string": (b'"nb.ipynb"', "a JSON object"),
    "a JSON number": (b"42", "a JSON object"),
    "JSON null": (b"null", "a JSON object"),
    "invalid UTF-8": (b'{"path": "nb\xff\xfe.ipynb"}', "UTF-8"),
    "not JSON": (b"{path: nb.ipynb", "not valid JSON"),
    "nested too deeply": (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    "format not a string": (b'{"path": "nb.ipynb", "format": ["json"]}', "`format`"),
    "path not a string": (b'{"path": {"a": 1}}', "`path`"),
    "kernel not a string": (b'{"kernel": [1, 2]}', "`kernel`"),
}


@pytest.mark.parametrize("case", list(BAD_BODIES), ids=list(BAD_BODIES))
async def test_export_rejects_malformed_bodies_with_400(
    jp_fetch: Any, notebook: Any, session_log: Any, case: str
) -> None:
    session_log(notebook("nb.ipynb"))
    body, expected = BAD_BODIES[case]
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch("jupyter-privacy", "export", method="POST", body=body)
    assert err.value.code == 400, err.value
    assert err.value.response is not None
    message = json.loads(err.value.response.body)["message"]
    assert expected in message, message


async def test_malformed_bodies_log_no_export(jp_fetch: Any, notebook: Any, session_log: Any) -> None:
    session_log(notebook("nb.ipynb"))
    for body, _ in BAD_BODIES.values():
        with pytest.raises(HTTPClientError):
            await jp_fetch("jupyter-privacy", "export", method="POST", body=body)
    response = await jp_fetch("jupyter-privacy", "records", params={"path": "nb.ipynb"})
    events = [r["event"] for r in json.loads(response.body)["records"]]
    assert "record_exported" not in events
    assert events  # the session was logged: the check above looks at a real log
