"""XGBoost: the native API (``xgb.DMatrix(df, label=y)`` then ``xgb.train(params, dtrain)``) and the
scikit-learn API (``XGBClassifier().fit(X, y)``, which builds its own DMatrix and calls ``train`` inside:
one record)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .generic import fit_wrapper
from .patcher import Patcher
from .tracker import FitTracker

MODULE = "xgboost"
SKLEARN_CLASSES = (
    "XGBModel",
    "XGBClassifier",
    "XGBRegressor",
    "XGBRanker",
    "XGBRFClassifier",
    "XGBRFRegressor",
)


def install(patcher: Patcher, tracker: FitTracker) -> None:
    import xgboost
    import xgboost.sklearn
    import xgboost.training

    for matrix in (xgboost.DMatrix, getattr(xgboost, "QuantileDMatrix", None)):
        if matrix is not None and "__init__" in vars(matrix):
            patcher.wrap(matrix, "__init__", _matrix_hook(tracker))
    for owner in (xgboost, xgboost.training):
        patcher.wrap(owner, "train", _train_hook(tracker))
    for name in SKLEARN_CLASSES:
        cls = getattr(xgboost.sklearn, name, None)
        if cls is not None and "fit" in vars(cls):
            patcher.wrap(cls, "fit", fit_wrapper(tracker, "xgboost"))


def _matrix_hook(tracker: FitTracker) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
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
        def train(params: Any, dtrain: Any, *args: Any, **kwargs: Any) -> Any:
            with tracker.outermost() as outer:
                booster = original(params, dtrain, *args, **kwargs)
            if outer:
                tracker.note(booster, [dtrain], "xgboost")
            return booster

        return train

    return wrap
