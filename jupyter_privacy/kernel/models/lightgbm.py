"""LightGBM: the native API (``lgb.Dataset(df, label=y)`` then ``lgb.train(params, ds)``) and the
scikit-learn API (``LGBMClassifier().fit(X, y)``, which calls ``train`` inside: one record)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .generic import fit_wrapper
from .patcher import Patcher
from .tracker import FitTracker

MODULE = "lightgbm"


def install(patcher: Patcher, tracker: FitTracker) -> None:
    import lightgbm
    import lightgbm.engine
    import lightgbm.sklearn

    patcher.wrap(lightgbm.Dataset, "__init__", _dataset_hook(tracker))
    for owner in (lightgbm, lightgbm.engine):
        patcher.wrap(owner, "train", _train_hook(tracker))
    for name in ("LGBMModel", "LGBMClassifier", "LGBMRegressor", "LGBMRanker"):
        cls = getattr(lightgbm.sklearn, name, None)
        if cls is not None and "fit" in vars(cls):
            patcher.wrap(cls, "fit", fit_wrapper(tracker, "lightgbm"))


def _dataset_hook(tracker: FitTracker) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def __init__(self: Any, data: Any, label: Any = None, *args: Any, **kwargs: Any) -> None:
            original(self, data, label, *args, **kwargs)
            tracker.derive(self, [data, label])

        return __init__

    return wrap


def _train_hook(tracker: FitTracker) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def train(params: Any, train_set: Any, *args: Any, **kwargs: Any) -> Any:
            with tracker.outermost() as outer:
                booster = original(params, train_set, *args, **kwargs)
            if outer:
                tracker.note(booster, [train_set], "lightgbm")
            return booster

        return train

    return wrap
