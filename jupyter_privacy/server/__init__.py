"""jupyter_server extension: REST endpoints under ``/jupyter-privacy/`` for the JupyterLab frontend.

Thin adapter only: the handlers call :class:`.service.PrivacyService`, which calls the plain libraries
(policy, ledger, records). Settings: ``c.JupyterPrivacy.*`` (see :class:`.config.JupyterPrivacy`).
"""

from __future__ import annotations

from typing import Any

from jupyter_server.utils import url_path_join

from .config import AUTH_RESOURCE, JupyterPrivacy
from .handlers import (
    SERVICE_KEY,
    ExportHandler,
    HealthHandler,
    PolicyHandler,
    RecordsHandler,
    StateHandler,
    TimelineHandler,
    VerifyHandler,
)
from .push import SCHEMA_FILE as PUSH_SCHEMA_FILE
from .push import start_push
from .renames import CONTENTS_SCHEMA, rename_listener
from .save_hook import pre_save_hook
from .service import PrivacyService

URL_PREFIX = "jupyter-privacy"

ROUTES = [
    ("health", HealthHandler),
    ("policy", PolicyHandler),
    ("state", StateHandler),
    ("timeline", TimelineHandler),
    ("records", RecordsHandler),
    ("verify", VerifyHandler),
    ("export", ExportHandler),
]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Register the jupyter-privacy handlers and the rename listener on the running server."""
    settings = JupyterPrivacy(config=serverapp.config, parent=serverapp)
    service = PrivacyService(settings)
    web_app = serverapp.web_app
    web_app.settings[SERVICE_KEY] = service
    base_url = web_app.settings["base_url"]
    web_app.add_handlers(
        ".*$",
        [(url_path_join(base_url, URL_PREFIX, name), handler) for name, handler in ROUTES],
    )
    serverapp.event_logger.add_listener(
        schema_id=CONTENTS_SCHEMA,
        listener=rename_listener(
            service, serverapp.contents_manager, serverapp.session_manager, serverapp.log
        ),
    )
    # saved notebooks leave out outputs that show unmasked values (see save_hook)
    serverapp.contents_manager.register_pre_save_hook(pre_save_hook(service))
    serverapp.event_logger.register_event_schema(PUSH_SCHEMA_FILE)
    serverapp.log.info("jupyter_privacy: server extension loaded (auth resource %r)", AUTH_RESOURCE)


async def _start_jupyter_server_extension(serverapp: Any) -> None:
    """Once the event loop runs: push sidebar updates from a PostgreSQL team log (see :mod:`.push`)."""
    service: PrivacyService = serverapp.web_app.settings[SERVICE_KEY]
    try:
        loaded = service.loaded_policy()
    except Exception:  # an unloadable policy is reported by every request; nothing to push
        return
    service.push = start_push(serverapp, loaded)


# Older jupyter_server / notebook versions look for the name without the leading underscore.
load_jupyter_server_extension = _load_jupyter_server_extension
