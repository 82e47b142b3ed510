"""Model hooks: which models were trained on which governed data, for every library in use.

One module per library (``sklearn``, ``statsmodels``, ``lightgbm``, ``xgboost``, ``torch``), each installed only once
its library has been imported in the kernel, plus a generic hook for any ``fit(X, y)``-style estimator
(:mod:`.generic`). All of them report to one :class:`~.tracker.FitTracker`, which logs
``model_trained`` records built by :func:`~.record.model_trained_payload` when the cell ends.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

from . import arrays, generic
from .patcher import Patcher
from .purpose import PurposeGuard
from .tracker import FitTracker

if TYPE_CHECKING:
    from ..lineage import Lineage
    from ..raw_outputs import RawOutputs
    from ..session import PrivacySession

# library module that must be loaded -> (our hook module, word a cell mentions, what to import then)
LIBRARIES = {
    "sklearn.base": (".sklearn", "sklearn", "sklearn.pipeline"),
    # all model classes at once: statsmodels' fit methods are wrapped per class
    "statsmodels.base.model": (".statsmodels", "statsmodels", "statsmodels.api"),
    "lightgbm": (".lightgbm", "lightgbm", "lightgbm"),
    "xgboost": (".xgboost", "xgboost", "xgboost"),
    "torch": (".torch", "torch", "torch"),
    "mlflow": (".mlflow", "mlflow", "mlflow"),
}


class ModelHooks:
    """Installs the hooks of the libraries in use; flushes the cell's fits into the log."""

    def __init__(self, session: PrivacySession, lineage: Lineage, raw_outputs: RawOutputs) -> None:
        self.tracker = FitTracker(session, lineage, raw_outputs)
        self.patcher = Patcher()
        self.installed: dict[str, Any] = {}
        self.guard = PurposeGuard(self.tracker, self.patcher)
        self.tracker.guard = self.guard
        lineage.model_dumped = self.guard.on_dump

    def install(self) -> None:
        arrays.install(self.patcher, self.tracker)
        self.hook_modules()

    def hook_modules(self) -> None:
        """Install the hooks of every supported library imported so far (cheap when nothing is new)."""
        self.guard.hook_loaders()
        for module, (hook, _word, _import) in LIBRARIES.items():
            if module in sys.modules and module not in self.installed:
                hooks = importlib.import_module(hook, __name__)
                self.installed[module] = hooks.install(self.patcher, self.tracker)
        if "statsmodels.base.model" in self.installed:
            from . import statsmodels

            statsmodels.patch_fits(self.patcher, self.tracker)  # model classes of modules loaded since

    def before_cell(self, code: str | None, namespace: dict[str, Any]) -> None:
        """Import the supported libraries a cell mentions (so they are hooked before it runs)."""
        for module, (_hook, word, early) in LIBRARIES.items():
            if code and word in code and module not in sys.modules:
                try:
                    importlib.import_module(early)
                except ImportError:
                    continue
        self.hook_modules()
        generic.patch_namespace(self.patcher, self.tracker, namespace)

    def after_cell(self, namespace: dict[str, Any]) -> None:
        torch_hooks = self.installed.get("torch")
        if torch_hooks is not None:
            torch_hooks.collect()
        if self.tracker.pending:
            self.tracker.flush(namespace)
        mlflow_hooks = self.installed.get("mlflow")
        if mlflow_hooks is not None:
            mlflow_hooks.flush()  # after model_trained: a model is logged to MLflow once it is trained
        self.hook_modules()

    def uninstall(self) -> None:
        torch_hooks = self.installed.get("torch")
        if torch_hooks is not None:
            from . import torch

            torch.uninstall(torch_hooks)
        self.patcher.undo()
        self.installed.clear()
