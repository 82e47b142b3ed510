"""Hooks shared by the gradient-boosting libraries' native APIs (XGBoost, LightGBM): a data container
built from governed data (``DMatrix``, ``Dataset``) remembers where its data came from, and ``train`` on
it is one ``model_trained`` record (the outermost call only: the scikit-learn wrappers call ``train``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .tracker import FitTracker

Hook = Callable[[Callable[..., Any]], Callable[..., Any]]


def container_hook(tracker: FitTracker) -> Hook:
    """``__init__(self, data, label=None, ...)`` of a data container: the container derives from both."""

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def __init__(self: Any, data: Any, label: Any = None, *args: Any, **kwargs: Any) -> None:
            original(self, data, label, *args, **kwargs)
            tracker.derive(self, [data, label])

        return __init__

    return wrap


def train_hook(tracker: FitTracker, library: str) -> Hook:
    """``train(params, container, ...)``: the returned booster is a model trained on the container's data."""

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def train(params: Any, container: Any, *args: Any, **kwargs: Any) -> Any:
            with tracker.outermost() as outer:
                booster = original(params, container, *args, **kwargs)
            if outer:
                tracker.note(booster, [container], library)
            return booster

        return train

    return wrap
