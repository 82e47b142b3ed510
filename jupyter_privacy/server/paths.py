"""Turn a notebook path from a request into the absolute path the processing log uses, safely."""

from __future__ import annotations

import os
from typing import Any

from tornado.web import HTTPError


def check_api_path(path: str | None) -> str:
    """Validate a contents-API path (``folder/name.ipynb``): relative, no ``..``, no NUL, no backslash.

    Raises 400 naming what is wrong, so a client bug is obvious and traversal never reaches the disk.
    """
    if not path:
        raise HTTPError(
            400, "missing query parameter `path` (the notebook's path relative to the server root)"
        )
    if "\x00" in path:
        raise HTTPError(400, "the notebook path contains a NUL byte")
    if "\\" in path:
        raise HTTPError(400, "the notebook path contains a backslash; use `/` between folders")
    if path.startswith("/") or os.path.isabs(path) or os.path.splitdrive(path)[0]:
        raise HTTPError(400, "the notebook path must be relative to the server root, not absolute")
    if any(part == ".." for part in path.split("/")):
        raise HTTPError(400, "the notebook path must not contain `..`")
    return path.strip("/")


def notebook_os_path(contents_manager: Any, api_path: str) -> str:
    """The absolute OS path of ``api_path`` under the contents manager's root, contained in it (else 404).

    Symlinks are resolved for the containment check, so a link pointing outside the root is refused too.
    """
    path = check_api_path(api_path)
    root = os.path.abspath(getattr(contents_manager, "root_dir", "") or os.getcwd())
    getter = getattr(contents_manager, "_get_os_path", None)
    os_path = getter(path) if getter is not None else os.path.join(root, *path.split("/"))
    real_root = os.path.realpath(root)
    real = os.path.realpath(os_path)
    if real != real_root and not real.startswith(real_root.rstrip(os.sep) + os.sep):
        raise HTTPError(404, f"no notebook {path!r} under the server root")
    return str(os_path)


def chain_candidates(os_path: str) -> list[str]:
    """The ids the kernel may have logged under: the path as given and, if different, its real path."""
    real = os.path.realpath(os_path)
    return [os_path] if real == os_path else [os_path, real]
