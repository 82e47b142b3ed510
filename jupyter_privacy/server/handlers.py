"""Tornado handlers of the jupyter_privacy server extension."""

from __future__ import annotations

import json

import tornado.web
from jupyter_server.base.handlers import APIHandler

from .. import __version__


class HealthHandler(APIHandler):
    """``GET /jupyter-privacy/health``: tells the frontend the server side is installed, and its version."""

    @tornado.web.authenticated
    def get(self) -> None:
        self.finish(json.dumps({"status": "ok", "version": __version__}))
