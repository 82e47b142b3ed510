"""Parse a POST body into a JSON object with string fields, or refuse it with a 400 saying what to send.

jupyter_server's ``get_json_body`` lets invalid UTF-8 escape as a 500, accepts any JSON value, and logs
the raw body of bad requests; a request body may name notebooks or carry values, so it is never logged.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from tornado.web import HTTPError


def json_object(raw: bytes, string_fields: Iterable[str], example: str) -> dict[str, Any]:
    """The body as a dict whose ``string_fields`` are strings when present; HTTP 400 otherwise.

    An empty body is an empty object. ``example`` is a valid body shown in every refusal.
    """
    if not raw.strip():
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HTTPError(400, f"the request body is not UTF-8 (byte {exc.start}); send {example}") from None
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        raise HTTPError(
            400, f"the request body is not valid JSON ({exc.msg}, position {exc.pos}); send {example}"
        ) from None
    except RecursionError:
        raise HTTPError(400, f"the request body is nested too deeply; send {example}") from None
    if not isinstance(body, dict):
        kind = {list: "a list", str: "a string", type(None): "null"}.get(type(body), "a number or boolean")
        raise HTTPError(400, f"the request body must be a JSON object, not {kind}; send {example}")
    for name in string_fields:
        if name in body and body[name] is not None and not isinstance(body[name], str):
            raise HTTPError(
                400, f"`{name}` must be a string, not {type(body[name]).__name__}; send {example}"
            )
    return body
