"""Plain ``pd.read_csv(...)`` and friends through the governed path, when the policy says so.

Each configured reader is wrapped: the original runs with the user's arguments, then the result is
scanned, masked and logged like a ``%privacy_load``. Reads done by jupyter-privacy itself are not
intercepted again.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .session import _file_sha256, frame_sha256, internal_read

if TYPE_CHECKING:
    from .session import PrivacySession


class Interception:
    def __init__(self, session: PrivacySession, readers: list[str]) -> None:
        self.session = session
        self.readers = [r for r in readers if hasattr(pd, r)]
        self._originals: dict[str, Callable[..., Any]] = {}

    def install(self) -> None:
        for name in self.readers:
            original = getattr(pd, name)
            self._originals[name] = original
            setattr(pd, name, self._wrap(name, original))

    def uninstall(self) -> None:
        for name, original in self._originals.items():
            setattr(pd, name, original)
        self._originals.clear()

    def _wrap(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        session = self.session

        def reader(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            if internal_read() or not isinstance(result, pd.DataFrame):
                return result  # our own reads, and iterators (chunksize=...) pass through
            target = args[0] if args else next(iter(kwargs.values()), None)
            path = Path(os.fspath(target)).expanduser() if isinstance(target, str | os.PathLike) else None
            reread = lambda: original(*args, **kwargs)  # noqa: E731
            if path is None or not path.is_file():
                source = f"{name}:<{type(target).__name__}>"
                return session.govern(
                    result, source=source, content_sha256=frame_sha256(result), reread=reread
                )
            # the file's hash is computed while the frame is scanned and masked (hashlib releases the GIL)
            with ThreadPoolExecutor(max_workers=1) as hasher:
                sha = hasher.submit(_file_sha256, path)
                return session.govern(result, source=str(path.resolve()), content_sha256=sha, reread=reread)

        reader.__name__ = name
        reader.__doc__ = original.__doc__
        reader.__wrapped__ = original  # type: ignore[attr-defined]
        return reader
