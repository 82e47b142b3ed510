"""NumPy arrays taken from a governed frame (``df.values``, ``df.to_numpy()``, ``np.asarray(df)``)
remember it, so a model or tensor built from the array is traced to the frame's datasets."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pandas as pd

from ..session import datasets_of
from .patcher import Patcher
from .tracker import FitTracker


def install(patcher: Patcher, tracker: FitTracker) -> None:
    for cls in (pd.DataFrame, pd.Series):
        patcher.wrap(cls, "to_numpy", _method(tracker))
        patcher.wrap(cls, "__array__", _method(tracker))
        patcher.wrap(cls, "values", lambda prop: property(_getter(tracker, prop.fget), doc=prop.__doc__))


def _remember(tracker: FitTracker, frame: Any, array: Any) -> Any:
    if datasets_of(frame):
        tracker.derive(array, [frame])
    return array


def _method(tracker: FitTracker) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            return _remember(tracker, self, original(self, *args, **kwargs))

        return method

    return wrap


def _getter(tracker: FitTracker, fget: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def values(self: Any) -> Any:
        return _remember(tracker, self, fget(self))

    return values
