"""scikit-learn: pipelines and column transformers named by their final estimator, with their steps.

``Pipeline.fit`` and ``ColumnTransformer.fit``/``fit_transform`` are wrapped (outermost fit wins, so a
pipeline is one record, not one per step). Any other estimator is seen through
``sklearn.utils.validation._check_feature_names``, which every ``fit`` on a DataFrame calls.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from .generic import fit_wrapper
from .patcher import Patcher
from .tracker import FitTracker, class_name

MODULE = "sklearn.base"


def _step_class(step: Any) -> str:
    return class_name(step) if step is not None and step != "passthrough" else str(step)


def describe(model: Any) -> tuple[str, list[dict[str, str]] | None, str | None]:
    """(class named in the log, steps, wrapper class) of a fitted scikit-learn model."""
    steps = getattr(model, "steps", None)
    if isinstance(steps, list) and steps:
        final = steps[-1][1]
        named = _step_class(final) if final not in (None, "passthrough") else class_name(model)
        return named, [{"name": n, "class": _step_class(s)} for n, s in steps], class_name(model)
    transformers = getattr(model, "transformers", None)
    if isinstance(transformers, list):
        parts = [{"name": t[0], "class": _step_class(t[1])} for t in transformers if len(t) >= 2]
        return class_name(model), parts, None
    return class_name(model), None, None


def install(patcher: Patcher, tracker: FitTracker) -> None:
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    wrap = fit_wrapper(tracker, "sklearn", describe)
    patcher.wrap(Pipeline, "fit", wrap)
    patcher.wrap(ColumnTransformer, "fit", wrap)
    patcher.wrap(ColumnTransformer, "fit_transform", wrap)
    validation = sys.modules.get("sklearn.utils.validation")
    if validation is not None:
        patcher.wrap(validation, "_check_feature_names", _feature_names_hook(tracker))


def _feature_names_hook(tracker: FitTracker) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def _check_feature_names(estimator: Any, X: Any, *, reset: bool) -> Any:
            result = original(estimator, X, reset=reset)
            if reset and not tracker.inside_fit:
                tracker.note(estimator, [X], "sklearn", describe=describe)
            return result

        return _check_feature_names

    return wrap
