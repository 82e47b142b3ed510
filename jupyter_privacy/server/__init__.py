"""jupyter_server extension: REST endpoints under ``/jupyter-privacy/`` for the JupyterLab frontend.

Thin adapter only: the handlers call the plain libraries (policy, detect, ledger, records) and never hold
logic of their own.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.utils import url_path_join

from .handlers import HealthHandler

URL_PREFIX = "jupyter-privacy"


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Register the jupyter-privacy handlers on the running server."""
    web_app = serverapp.web_app
    base_url = web_app.settings["base_url"]
    web_app.add_handlers(
        ".*$",
        [(url_path_join(base_url, URL_PREFIX, "health"), HealthHandler)],
    )
    serverapp.log.info("jupyter_privacy: server extension loaded")


# Older jupyter_server / notebook versions look for the name without the leading underscore.
load_jupyter_server_extension = _load_jupyter_server_extension
