"""Models carry the purpose they were trained under; use under another purpose is recorded or refused.

- A tracked model saved with ``joblib.dump``/``pickle.dump`` gets a sidecar ``<file>.privacy.json``
  (model class, purpose it was trained under, lawful basis, datasets, notebook; no values).
- Loading such a file (``joblib.load``/``pickle.load``), loading an MLflow model whose run says which
  purpose it was trained under (``mlflow.pyfunc.load_model``, see :mod:`.mlflow`), or calling
  ``predict``/``predict_proba``/``transform`` of a known model on governed data, while another purpose
  (or none) is declared, logs ``model_used`` with both purposes. With ``models.other_purpose: refuse``
  in the policy the load or prediction raises :class:`ModelPurposeRefused` instead (and is logged).
"""

from __future__ import annotations

import functools
import json
import pickle
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ModelPurposeRefused
from ..session import datasets_of
from .patcher import Patcher
from .tracker import class_name

if TYPE_CHECKING:
    from .tracker import FitTracker

SIDECAR_SUFFIX = ".privacy.json"
USES = ("predict", "predict_proba", "predict_log_proba", "decision_function", "transform")


def sidecar_path(path: str | Path) -> Path:
    p = Path(path)
    return p.with_name(p.name + SIDECAR_SUFFIX)


class PurposeGuard:
    """Writes sidecars, wraps loaders and prediction methods, and applies the policy's rule."""

    def __init__(self, tracker: FitTracker, patcher: Patcher) -> None:
        self.tracker = tracker
        self.patcher = patcher
        self.session = tracker.session
        self.trained_under: dict[int, tuple[str | None, str]] = {}  # id(model) -> (purpose, class)
        self._reported: set[tuple[int, str | None, str]] = set()

    # -- what a model was trained for -----------------------------------------------------------

    def watch(self, model: Any, purpose: str | None, model_class: str) -> None:
        """Remember a model's purpose and wrap its class's prediction methods."""
        self.trained_under[id(model)] = (purpose, model_class)
        for klass in type(model).__mro__:
            for name in USES:
                if hasattr(vars(klass).get(name), "__get__"):
                    self.patcher.wrap(klass, name, self._use_wrapper(name))

    def on_dump(self, model: Any, path: Path) -> None:
        payload = self.tracker.payload_for(model)
        if payload is None:
            return
        decl = self.session.declaration
        record = {
            "jupyter_privacy_model": 1,
            "model_class": payload["model_class"],
            "purpose": payload.get("purpose"),
            "lawful_basis": decl.basis if decl and decl.purpose.id == payload.get("purpose") else None,
            "datasets": payload["datasets"],
            "notebook": self.session.notebook,
            "written_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        sidecar_path(path).write_text(json.dumps(record, indent=2), "utf-8")

    # -- use ------------------------------------------------------------------------------------

    def check(
        self, model: Any, trained_under: str | None, model_class: str, how: str, where: str | None
    ) -> None:
        """Record (or refuse) a use of ``model`` when the declared purpose is not the one it was trained for."""
        decl = self.session.declaration
        current = decl.purpose.id if decl else None
        if current == trained_under:
            return
        refuse = self.session.policy.models.other_purpose == "refuse"
        seen = (id(model), current, how)
        if seen in self._reported and not refuse:
            return
        self._reported.add(seen)
        self.session.log(
            "model_used",
            {
                "how": how,
                "where": where,
                "model_class": model_class,
                "trained_under": trained_under,
                "purpose": current,
                "outcome": "refused" if refuse else "recorded",
            },
        )
        if refuse:
            under = repr(current) if current else "no declared purpose"
            raise ModelPurposeRefused(
                f"{model_class} was trained under purpose {trained_under!r}; using it ({how}) under "
                f"{under} is refused by the policy "
                "(models.other_purpose: refuse). Declare the purpose it was trained for, or ask the DPO."
            )

    def _use_wrapper(self, name: str) -> Callable[[Any], Any]:
        return lambda original: _Use(original, self, name)

    def used(self, model: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        known = self.trained_under.get(id(model))
        if known is not None and any(datasets_of(a) for a in (*args, *kwargs.values())):
            self.check(model, known[0], known[1], name, None)

    def loaded(self, model: Any, path: Path, how: str) -> None:
        """A model read from a file: apply its sidecar, if it has one."""
        try:
            info = json.loads(sidecar_path(path).read_text("utf-8"))
        except (OSError, ValueError):
            return
        if not isinstance(info, dict) or info.get("jupyter_privacy_model") != 1:
            return
        model_class = str(info.get("model_class") or class_name(model))
        self.check(model, info.get("purpose"), model_class, how, str(path))
        self.watch(model, info.get("purpose"), model_class)

    # -- install ----------------------------------------------------------------------------------

    def hook_loaders(self) -> None:
        self.patcher.wrap(pickle, "load", self._load_hook("pickle.load"))
        joblib = sys.modules.get("joblib")
        if joblib is not None:
            self.patcher.wrap(joblib, "load", self._load_hook("joblib.load"))

    def _load_hook(self, how: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(original)
            def load(source: Any, *args: Any, **kwargs: Any) -> Any:
                model = original(source, *args, **kwargs)
                path = _path_of(source)
                if path is not None:
                    self.loaded(model, path, how)
                return model

            return load

        return wrap


def _path_of(source: Any) -> Path | None:
    if isinstance(source, str | Path):
        return Path(source).expanduser().resolve()
    name = getattr(source, "name", None)
    if isinstance(name, str) and name and not name.startswith("<"):
        return Path(name).expanduser().resolve()
    return None


class _Use:
    """Wraps a prediction method (a function or a descriptor such as scikit-learn's ``available_if``)."""

    def __init__(self, original: Any, guard: PurposeGuard, name: str) -> None:
        self.original = original
        self.guard = guard
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        bound = self.original.__get__(obj, owner)
        if obj is None:
            return bound

        @functools.wraps(bound)
        def use(*args: Any, **kwargs: Any) -> Any:
            self.guard.used(obj, self.name, args, kwargs)
            return bound(*args, **kwargs)

        return use
