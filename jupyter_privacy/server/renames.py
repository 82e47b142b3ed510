"""Keep a renamed notebook's records: listen to jupyter_server's contents events and record aliases."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from jupyter_core.utils import ensure_async

from .paths import notebook_os_path
from .service import PrivacyService

CONTENTS_SCHEMA = "https://events.jupyter.org/jupyter_server/contents_service/v1"


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def rename_listener(
    service: PrivacyService, contents_manager: Any, session_manager: Any, log: Any
) -> Callable[[Any, str, dict[str, Any]], Awaitable[None]]:
    """An event listener that turns every successful rename (file or folder) into an alias.

    The kernels running for the old path at that moment are remembered: they keep logging under the old
    name until restarted, and those later records belong to the new name as well.
    """

    async def listener(logger: Any, schema_id: str, data: dict[str, Any]) -> None:
        if data.get("action") != "rename" or not data.get("source_path"):
            return
        old_api, new_api = str(data["source_path"]).strip("/"), str(data["path"]).strip("/")
        try:
            old, new = (
                notebook_os_path(contents_manager, old_api),
                notebook_os_path(contents_manager, new_api),
            )
            sessions = await ensure_async(session_manager.list_sessions())
            kernels = [
                s["kernel"]["id"]
                for s in sessions
                if s.get("kernel") and (_under(s["path"], old_api) or _under(s["path"], new_api))
            ]
            service.aliases.add(old, new, kernels, user=service.user)
        except Exception as exc:  # a listener must never break the rename itself
            log.warning("jupyter_privacy: could not record the rename %s -> %s: %s", old_api, new_api, exc)

    return listener
