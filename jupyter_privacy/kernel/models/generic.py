"""The generic hook: any ``fit(X, y, ...)``-style method whose arguments include governed data.

Before each cell, the classes in the user's namespace (imported classes and the types of objects) that
have a ``fit`` method get it wrapped, at the class in their MRO that defines it. Known gap: a class
imported and fitted in the same cell is seen from the next cell on (libraries with their own hook
module, such as scikit-learn, are seen at once).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from .patcher import Patcher
from .tracker import FitTracker

_SKIP_PACKAGES = {
    "builtins",
    "pandas",
    "numpy",
    "jupyter_privacy",
    "IPython",
    "ipykernel",
    "polars",
    "pyarrow",
}


def library_of(cls: type) -> str:
    return cls.__module__.split(".", 1)[0]


def fit_wrapper(
    tracker: FitTracker,
    library: str,
    describe: Callable[[Any], tuple[str, list[dict[str, str]] | None, str | None]] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Wrap a ``fit`` method: the outermost call on governed data is noted once it returned."""

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def fit(self: Any, *args: Any, **kwargs: Any) -> Any:
            with tracker.outermost() as outer:
                result = original(self, *args, **kwargs)
            if outer:
                tracker.note(self, [*args, *kwargs.values()], library, describe=describe)
            return result

        return fit

    return wrap


def patch_fit(patcher: Patcher, cls: type, tracker: FitTracker, name: str = "fit") -> None:
    """Wrap ``name`` at the class of ``cls``'s MRO that defines it (once)."""
    for klass in cls.__mro__:
        method = vars(klass).get(name)
        if method is None:
            continue
        if inspect.isfunction(method):
            patcher.wrap(klass, name, fit_wrapper(tracker, library_of(klass)))
        return


def patch_namespace(patcher: Patcher, tracker: FitTracker, namespace: dict[str, Any]) -> None:
    """Wrap ``fit`` of every class in the namespace, and of the type of every object in it."""
    for name, value in list(namespace.items()):
        if name.startswith("_"):
            continue
        cls = value if isinstance(value, type) else type(value)
        if library_of(cls) in _SKIP_PACKAGES or not callable(getattr(cls, "fit", None)):
            continue
        patch_fit(patcher, cls, tracker)
