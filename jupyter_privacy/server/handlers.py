"""Tornado handlers of the jupyter_privacy server extension: thin wrappers over :class:`PrivacyService`.

Every handler is ``@tornado.web.authenticated`` and ``@authorized`` on the resource ``jupyter_privacy``
(:data:`.config.AUTH_RESOURCE`), so an Authorizer can restrict who reads processing records. Export is a
POST (it appends ``record_exported`` to the log), so jupyter_server's XSRF check applies to it when the
request is authenticated by cookie.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

import tornado.web
from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler

from .. import __version__
from ..ledger import LedgerError
from ..policy import PolicyError
from .config import AUTH_RESOURCE
from .live_kernel import without_dead_kernel
from .paths import check_api_path, notebook_os_path
from .request_body import json_object
from .service import EXPORT_FORMATS, ExportUnavailable, PrivacyService

SERVICE_KEY = "jupyter_privacy_service"
EXPORT_EXAMPLE = '{"path": "analysis.ipynb", "format": "html"}'


class PrivacyHandler(APIHandler):
    """Common base: the auth resource, the service, notebook resolution and error translation."""

    auth_resource = AUTH_RESOURCE

    @property
    def service(self) -> PrivacyService:
        return self.settings[SERVICE_KEY]

    async def notebook(self, path: str | None = None, kernel: str | None = None) -> tuple[str, str]:
        """(API path, OS path) of the notebook named by ``path`` or by a running ``kernel`` id."""
        path = path if path is not None else self.get_query_argument("path", None)
        kernel = kernel if kernel is not None else self.get_query_argument("kernel", None)
        if not path and kernel:
            path = await kernel_notebook(self.session_manager, kernel)
        api_path = check_api_path(path)
        os_path = notebook_os_path(self.contents_manager, api_path)
        if not await ensure_async(self.contents_manager.file_exists(api_path)):
            raise tornado.web.HTTPError(404, f"no notebook {api_path!r} under the server root")
        return api_path, os_path

    def run(self, fn: Any, *args: Any) -> Any:
        """Call the service; policy and log problems become 500s with the actionable message."""
        try:
            return fn(*args)
        except PolicyError as exc:
            raise tornado.web.HTTPError(500, f"the privacy policy is invalid: {exc}") from None
        except (LedgerError, ValueError) as exc:
            raise tornado.web.HTTPError(500, str(exc)) from None


async def kernel_notebook(session_manager: Any, kernel_id: str) -> str:
    """The current API path of the notebook whose session runs ``kernel_id`` (404 if none)."""
    for session in await ensure_async(session_manager.list_sessions()):
        if (session.get("kernel") or {}).get("id") == kernel_id:
            return str(session["path"])
    raise tornado.web.HTTPError(404, f"no session runs kernel {kernel_id!r}")


class HealthHandler(PrivacyHandler):
    """``GET /jupyter-privacy/health``: the server side is installed, and its version."""

    @tornado.web.authenticated
    @authorized
    def get(self) -> None:
        self.finish(json.dumps({"status": "ok", "version": __version__}))


class PolicyHandler(PrivacyHandler):
    """``GET /jupyter-privacy/policy``: purposes, bases, reference formats, enforcement; never the key."""

    @tornado.web.authenticated
    @authorized
    def get(self) -> None:
        self.finish(json.dumps(self.run(self.service.policy)))


class StateHandler(PrivacyHandler):
    """``GET /jupyter-privacy/state?path=NB`` (or ``?kernel=ID``): purpose, datasets, grants, timeline."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        api_path, os_path = await self.notebook()
        state = self.run(self.service.state, os_path)
        state = await without_dead_kernel(state, api_path, self.session_manager, self.kernel_manager)
        self.finish(json.dumps({"path": api_path, **state}))


class TimelineHandler(PrivacyHandler):
    """``GET /jupyter-privacy/timeline?path=NB&before=N&limit=M``: older timeline cells, oldest first.

    ``before`` is a cell index (``timeline_cells`` of the state is the end); ``limit`` at most 200.
    """

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        api_path, os_path = await self.notebook()
        try:
            before = int(self.get_argument("before"))
            limit = min(200, max(1, int(self.get_argument("limit", "30"))))
        except ValueError:
            raise tornado.web.HTTPError(400, "before and limit must be whole numbers") from None
        if before < 0:  # a negative index would slice from the start, past the limit
            raise tornado.web.HTTPError(400, "before is a cell index: 0 or more")
        cells = self.run(self.service.timeline_page, os_path, before, limit)
        self.finish(json.dumps({"path": api_path, "before": before, "timeline": cells}))


class RecordsHandler(PrivacyHandler):
    """``GET /jupyter-privacy/records?path=NB``: the notebook's log records, in time order."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        api_path, os_path = await self.notebook()
        records, chains = self.run(self.service.records, os_path)
        self.finish(json.dumps({"path": api_path, "chains": chains, "records": records}))


class VerifyHandler(PrivacyHandler):
    """``GET /jupyter-privacy/verify?path=NB``: hash-chain verification of every chain of the notebook."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        api_path, os_path = await self.notebook()
        self.finish(json.dumps({"path": api_path, **self.run(self.service.verify, os_path)}))


class ExportHandler(PrivacyHandler):
    """``POST /jupyter-privacy/export`` with ``{"path": NB, "format": "json"|"html"|"csv"}``: a download.

    Authorised as ``read`` (it discloses what reading does; the only write is the audit record).
    """

    @tornado.web.authenticated
    @authorized("read")
    async def post(self) -> None:
        body = json_object(self.request.body, ("path", "kernel", "format"), EXPORT_EXAMPLE)
        fmt = body.get("format") or "json"
        if fmt not in EXPORT_FORMATS:
            raise tornado.web.HTTPError(
                400, f"unknown format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}"
            )
        path = body.get("path")
        api_path, os_path = await self.notebook(path=path or "", kernel=body.get("kernel") or "")
        try:
            text, content_type = self.run(self.service.export, os_path, fmt)
        except ExportUnavailable as exc:
            raise tornado.web.HTTPError(400, str(exc)) from None
        stem = re.sub(r"[^A-Za-z0-9._-]", "_", os.path.splitext(os.path.basename(api_path))[0]) or "notebook"
        self.set_header("Content-Disposition", f'attachment; filename="{stem}-processing-record.{fmt}"')
        self.finish(text, set_content_type=f"{content_type}; charset=utf-8")
