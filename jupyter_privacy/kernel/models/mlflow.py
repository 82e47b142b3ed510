"""MLflow: runs and models carry the purpose and the datasets they were made from.

- Every run started in the kernel (``mlflow.start_run``) is tagged with the declared purpose, lawful
  basis and reference.
- Logging a model that the model hooks saw being trained (``mlflow.<flavor>.log_model``, which all go
  through ``mlflow.models.Model.log``) tags its run with the training datasets and their content
  hashes, the personal-data categories that went in and the raw (unmasked) columns, adds the datasets
  as MLflow run inputs (name = dataset id, digest = content hash), and records ``model_logged`` in the
  processing log with the model URI, run, registered name and version.
- ``mlflow.register_model`` of such a model records ``model_registered`` (name, version).
- ``mlflow.pyfunc.load_model`` of a model whose run was tagged here checks the purpose it was trained
  under against the declared one (see :mod:`.purpose`).
The records are written when the cell ends, after the cell's ``model_trained`` records.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .patcher import Patcher
from .tracker import FitTracker

if TYPE_CHECKING:
    from ..session import PrivacySession

MODULE = "mlflow"
TAG = "jupyter_privacy"


class MlflowHooks:
    """What the wrapped MLflow calls found, logged at the end of the cell."""

    def __init__(self, tracker: FitTracker) -> None:
        self.tracker = tracker
        self.session: PrivacySession = tracker.session
        self.pending: list[tuple[str, dict[str, Any]]] = []
        self.by_uri: dict[str, dict[str, Any]] = {}  # model URI -> what it was trained on

    def purpose_tags(self) -> dict[str, str]:
        decl = self.session.declaration
        return {
            f"{TAG}.purpose": decl.purpose.id if decl else "none declared",
            f"{TAG}.lawful_basis": decl.basis if decl else "",
            f"{TAG}.reference": (decl.reference or "") if decl else "",
            f"{TAG}.notebook": self.session.notebook,
        }

    def training_tags(self, payload: dict[str, Any]) -> dict[str, str]:
        datasets = self.session.datasets
        hashes = [f"{d}={datasets[d].content_sha256}" for d in payload["datasets"] if d in datasets]
        return {
            **self.purpose_tags(),
            f"{TAG}.trained_under": payload.get("purpose") or "none declared",
            f"{TAG}.model_class": payload["model_class"],
            f"{TAG}.datasets": ",".join(hashes),
            f"{TAG}.personal_data_categories": ",".join(
                sorted({e["category"] for e in payload["personal_data"]})
            ),
            # names as the log has them: a column or a file named by a person goes by its token
            f"{TAG}.raw_columns": ",".join(self.session.labels.label(str(c)) for c in payload["raw_columns"]),
        }

    def on_logged(self, model: Any, info: Any, registered_name: str | None) -> None:
        payload = self.tracker.payload_for(model)
        if payload is None:
            return
        from mlflow import MlflowClient
        from mlflow.entities import Dataset, DatasetInput, InputTag

        client = MlflowClient()
        for key, value in self.training_tags(payload).items():
            client.set_tag(info.run_id, key, value)
        inputs = [
            DatasetInput(
                Dataset(
                    name=ds.id,
                    digest=ds.content_sha256[:32],
                    source_type="jupyter-privacy",
                    source=self.session.labels.path(ds.source),
                ),
                tags=[InputTag("mlflow.data.context", "training")],
            )
            for ds in (self.session.datasets.get(d) for d in payload["datasets"])
            if ds is not None
        ]
        if inputs:
            client.log_inputs(info.run_id, datasets=inputs)
        record = {
            "model_uri": info.model_uri,
            "run_id": info.run_id,
            "registered_name": registered_name,
            "version": _int(getattr(info, "registered_model_version", None)),
            "model_class": payload["model_class"],
            "datasets": payload["datasets"],
            "personal_data": payload["personal_data"],
            "raw_columns": payload["raw_columns"],
            "purpose": payload.get("purpose"),
        }
        self.by_uri[info.model_uri] = record
        self.pending.append(("model_logged", record))

    def on_registered(self, model_uri: str, version: Any) -> None:
        logged = self.by_uri.get(model_uri)
        if logged is None:
            return
        self.pending.append(
            (
                "model_registered",
                {
                    "model_uri": model_uri,
                    "run_id": logged["run_id"],
                    "registered_name": getattr(version, "name", None),
                    "version": _int(getattr(version, "version", None)),
                    "datasets": logged["datasets"],
                    "purpose": logged["purpose"],
                },
            )
        )

    def flush(self) -> None:
        pending, self.pending = self.pending, []
        for event, payload in pending:
            self.session.log(event, payload)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def install(patcher: Patcher, tracker: FitTracker) -> MlflowHooks:
    import mlflow
    from mlflow.models.model import Model

    hooks = MlflowHooks(tracker)
    original = vars(Model)["log"].__func__
    patcher.wrap(Model, "log", lambda _cm: classmethod(_log_hook(hooks, original)))
    patcher.wrap(mlflow, "start_run", _start_run_hook(hooks))
    patcher.wrap(mlflow, "register_model", _register_hook(hooks))
    import mlflow.pyfunc

    patcher.wrap(mlflow.pyfunc, "load_model", _load_hook(hooks))
    return hooks


def _load_hook(hooks: MlflowHooks) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``mlflow.pyfunc.load_model``: the model's run says which purpose it was trained under."""

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def load_model(model_uri: str, *args: Any, **kwargs: Any) -> Any:
            model = original(model_uri, *args, **kwargs)
            guard = hooks.tracker.guard
            run_id = getattr(getattr(model, "metadata", None), "run_id", None)
            if guard is None or not run_id:
                return model
            from mlflow import MlflowClient

            tags = MlflowClient().get_run(run_id).data.tags
            trained = tags.get(f"{TAG}.trained_under")
            if trained is None:  # not logged from a governed kernel
                return model
            purpose = None if trained == "none declared" else trained
            model_class = tags.get(f"{TAG}.model_class", "mlflow.pyfunc.PyFuncModel")
            guard.check(model, purpose, model_class, "mlflow.pyfunc.load_model", model_uri)
            guard.watch(model, purpose, model_class)
            return model

        return load_model

    return wrap


def _log_hook(hooks: MlflowHooks, original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def log(cls: type, *args: Any, **kwargs: Any) -> Any:
        info = original(cls, *args, **kwargs)
        known = [v for v in (*args, *kwargs.values()) if hooks.tracker.payload_for(v) is not None]
        if known:
            hooks.on_logged(known[0], info, kwargs.get("registered_model_name"))
        return info

    return log


def _start_run_hook(hooks: MlflowHooks) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def start_run(*args: Any, **kwargs: Any) -> Any:
            tags = {**hooks.purpose_tags(), **(kwargs.pop("tags", None) or {})}
            return original(*args, tags=tags, **kwargs)

        return start_run

    return wrap


def _register_hook(hooks: MlflowHooks) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def register_model(model_uri: str, name: str, *args: Any, **kwargs: Any) -> Any:
            version = original(model_uri, name, *args, **kwargs)
            hooks.on_registered(model_uri, version)
            return version

        return register_model

    return wrap
