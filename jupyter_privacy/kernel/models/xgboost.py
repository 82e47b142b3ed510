"""XGBoost: the native API (``xgb.DMatrix(df, label=y)`` then ``xgb.train(params, dtrain)``) and the
scikit-learn API (``XGBClassifier().fit(X, y)``, which builds its own DMatrix and calls ``train`` inside:
one record)."""

from __future__ import annotations

from .boosting import container_hook, train_hook
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
            patcher.wrap(matrix, "__init__", container_hook(tracker))
    for owner in (xgboost, xgboost.training):
        patcher.wrap(owner, "train", train_hook(tracker, "xgboost"))
    for name in SKLEARN_CLASSES:
        cls = getattr(xgboost.sklearn, name, None)
        if cls is not None and "fit" in vars(cls):
            patcher.wrap(cls, "fit", fit_wrapper(tracker, "xgboost"))
