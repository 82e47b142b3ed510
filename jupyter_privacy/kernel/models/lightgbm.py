"""LightGBM: the native API (``lgb.Dataset(df, label=y)`` then ``lgb.train(params, ds)``) and the
scikit-learn API (``LGBMClassifier().fit(X, y)``, which calls ``train`` inside: one record)."""

from __future__ import annotations

from .boosting import container_hook, train_hook
from .generic import fit_wrapper
from .patcher import Patcher
from .tracker import FitTracker

MODULE = "lightgbm"


def install(patcher: Patcher, tracker: FitTracker) -> None:
    import lightgbm
    import lightgbm.engine
    import lightgbm.sklearn

    patcher.wrap(lightgbm.Dataset, "__init__", container_hook(tracker))
    for owner in (lightgbm, lightgbm.engine):
        patcher.wrap(owner, "train", train_hook(tracker, "lightgbm"))
    for name in ("LGBMModel", "LGBMClassifier", "LGBMRegressor", "LGBMRanker"):
        cls = getattr(lightgbm.sklearn, name, None)
        if cls is not None and "fit" in vars(cls):
            patcher.wrap(cls, "fit", fit_wrapper(tracker, "lightgbm"))
