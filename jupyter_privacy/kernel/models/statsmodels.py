"""statsmodels: models get their data in the constructor (``OLS(y, X)``) or from a formula
(``smf.ols("y ~ x", data=df)``); ``fit()`` returns a results object, which is what the log names.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import pandas as pd

from ..session import datasets_of
from .patcher import Patcher
from .tracker import FitTracker, TrainingInput, class_name

MODULE = "statsmodels.base.model"


def install(patcher: Patcher, tracker: FitTracker) -> None:
    from statsmodels.base.model import Model

    patcher.wrap(Model, "__init__", _init_hook(tracker))
    original = Model.__dict__["from_formula"].__func__
    patcher.wrap(Model, "from_formula", lambda _cm: classmethod(_formula_hook(tracker, original)))
    patch_fits(patcher, tracker)
    # statsmodels.formula.api binds Model.from_formula per class at import: point them at the wrapper
    import statsmodels.formula.api as smf

    for name, value in list(vars(smf).items()):
        if getattr(value, "__func__", None) is original:
            patcher.wrap(smf, name, _rebind(value.__self__))


def _rebind(cls: type) -> Callable[[Any], Any]:
    return lambda _bound: cls.from_formula  # type: ignore[attr-defined]


def patch_fits(patcher: Patcher, tracker: FitTracker) -> None:
    """Wrap ``fit`` of every model class defined so far (called again as statsmodels modules load)."""
    from statsmodels.base.model import Model

    stack: list[type] = [Model]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if "fit" in vars(cls) and callable(vars(cls)["fit"]):
            patcher.wrap(cls, "fit", _fit_hook(tracker))


def _init_hook(tracker: FitTracker) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def __init__(self: Any, endog: Any, exog: Any = None, **kwargs: Any) -> None:
            original(self, endog, exog, **kwargs)
            if tracker.derived.get(self) is None:  # from_formula registers the formula's columns itself
                tracker.derive(self, [exog, endog])  # features first, like fit(X, y)

        return __init__

    return wrap


def _formula_hook(tracker: FitTracker, original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def from_formula(cls: type, formula: str, data: Any, *args: Any, **kwargs: Any) -> Any:
        model = original(cls, formula, data, *args, **kwargs)
        if isinstance(data, pd.DataFrame) and datasets_of(data):
            named = set(re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", formula))
            used = [c for c in data.columns if str(c) in named] or list(data.columns)
            full = tracker.training_input(data[used])
            if full is not None:
                tracker.derived.add(
                    model, TrainingInput(full.datasets, full.columns, len(data), full.raw_columns)
                )
        return model

    return from_formula


def _fit_hook(tracker: FitTracker) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def fit(self: Any, *args: Any, **kwargs: Any) -> Any:
            with tracker.outermost() as outer:
                results = original(self, *args, **kwargs)
            if outer:
                tracker.note(
                    results, [self], "statsmodels", describe=lambda _r: (class_name(self), None, None)
                )
            return results

        return fit

    return wrap
