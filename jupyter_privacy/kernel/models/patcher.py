"""Replace attributes of library classes and modules, and put every original back on uninstall."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Patcher:
    """Keeps the originals of what it replaced; patches each (owner, name) once."""

    def __init__(self) -> None:
        self._restore: list[tuple[Any, str, Any, bool]] = []
        self._done: set[tuple[int, str]] = set()

    def patched(self, owner: Any, name: str) -> bool:
        return (id(owner), name) in self._done

    def wrap(self, owner: Any, name: str, wrapper: Callable[[Any], Any]) -> bool:
        """Set ``owner.name = wrapper(original)``; False if already done or not there."""
        if self.patched(owner, name) or not hasattr(owner, name):
            return False
        own = name in vars(owner) if isinstance(owner, type) else True
        original = vars(owner)[name] if isinstance(owner, type) and own else getattr(owner, name)
        self._restore.append((owner, name, original, own))
        self._done.add((id(owner), name))
        setattr(owner, name, wrapper(original))
        return True

    def undo(self) -> None:
        for owner, name, original, own in reversed(self._restore):
            if own:
                setattr(owner, name, original)
            else:
                delattr(owner, name)  # the inherited attribute shows through again
        self._restore.clear()
        self._done.clear()
