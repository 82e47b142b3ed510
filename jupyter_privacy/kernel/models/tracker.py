"""Fits seen by the model hooks, and what they were trained on; logged as ``model_trained`` per cell.

Hooks call :meth:`FitTracker.note` after a fit returned. Only the outermost fit counts (a pipeline's
``fit`` calls its steps' ``fit``; a grid search fits many copies): hooks wrap the library call in
:meth:`FitTracker.outermost`. Governed inputs are DataFrames/Series tagged with their datasets, and
objects built from them, which the hooks register with :meth:`FitTracker.derive` (NumPy arrays taken
from a governed frame, LightGBM datasets, tensors, DataLoaders ...).
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..session import datasets_of
from .record import TrainingInput, model_trained_payload

if TYPE_CHECKING:
    from ..lineage import Lineage
    from ..raw_outputs import RawOutputs
    from ..session import PrivacySession
    from .purpose import PurposeGuard


@dataclass
class PendingFit:
    model: Any
    library: str
    model_class: str
    inputs: list[TrainingInput]
    steps: list[dict[str, str]] | None = None
    wrapper: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def class_name(obj: Any) -> str:
    cls = obj if isinstance(obj, type) else type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


class Derived:
    """Objects built from governed data (by identity, without keeping them alive) -> their input."""

    def __init__(self) -> None:
        self._items: dict[int, tuple[weakref.ref[Any], TrainingInput]] = {}

    def add(self, obj: Any, item: TrainingInput) -> None:
        key = id(obj)

        def forget(_ref: weakref.ref[Any]) -> None:
            self._items.pop(key, None)

        try:
            ref = weakref.ref(obj, forget)
        except TypeError:  # not weakly referenceable: not tracked
            return
        self._items[key] = (ref, item)

    def get(self, obj: Any) -> TrainingInput | None:
        entry = self._items.get(id(obj))
        if entry is None or entry[0]() is not obj:
            return None
        return entry[1]


class FitTracker:
    """Collects the fits of the running cell; :meth:`flush` logs them when it ends."""

    def __init__(self, session: PrivacySession, lineage: Lineage, raw_outputs: RawOutputs) -> None:
        self.session = session
        self.lineage = lineage
        self.raw_outputs = raw_outputs
        self.pending: list[PendingFit] = []
        self.derived = Derived()
        self.trained: dict[int, tuple[weakref.ref[Any] | None, dict[str, Any]]] = {}
        self._keep: list[Any] = []
        self.guard: PurposeGuard | None = None
        self._local = threading.local()

    # -- inputs -------------------------------------------------------------------------------------

    def training_input(self, data: Any) -> TrainingInput | None:
        """What a governed argument of a fit is: a tagged frame/Series or an object derived from one."""
        if isinstance(data, TrainingInput):
            return data
        if isinstance(data, pd.DataFrame | pd.Series):
            ids = datasets_of(data)
            if not ids:
                return None
            frame = data.to_frame() if isinstance(data, pd.Series) else data
            return TrainingInput(
                tuple(ids),
                tuple(str(c) for c in frame.columns),
                len(frame),
                frozenset(self.raw_outputs.raw_columns(frame, ids)),
            )
        return self.derived.get(data)

    def inputs(self, args: Iterable[Any]) -> list[TrainingInput]:
        found = [self.training_input(a) for a in args]
        return [i for i in found if i is not None]

    def derive(self, obj: Any, sources: Iterable[Any]) -> None:
        """Register ``obj`` as built from the governed ones among ``sources`` (merged into one input)."""
        items = self.inputs(sources)
        if items:
            self.derived.add(obj, merge(items))

    # -- fits ---------------------------------------------------------------------------------------

    @contextmanager
    def outermost(self) -> Iterator[bool]:
        """True for the outermost fit on this thread; nested fits (pipeline steps) are not noted."""
        depth = getattr(self._local, "depth", 0)
        self._local.depth = depth + 1
        try:
            yield depth == 0
        finally:
            self._local.depth = depth

    @property
    def inside_fit(self) -> bool:
        return getattr(self._local, "depth", 0) > 0

    def note(
        self,
        model: Any,
        args: Iterable[Any],
        library: str,
        *,
        describe: Callable[[Any], tuple[str, list[dict[str, str]] | None, str | None]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        """Remember a finished fit of ``model`` on ``args`` if any of them is governed."""
        inputs = self.inputs(args)
        if not inputs:
            return
        model_class, steps, wrapper = describe(model) if describe else (class_name(model), None, None)
        if any(p.model is model for p in self.pending):  # fitted twice in one cell: the last fit counts
            self.pending = [p for p in self.pending if p.model is not model]
        self.pending.append(PendingFit(model, library, model_class, inputs, steps, wrapper, extra or {}))
        with contextlib.suppress(TypeError):  # dumped in the same cell: already known as a model
            self.lineage.models[model] = sorted({d for i in inputs for d in i.datasets})

    def _payload(self, fit: PendingFit, variable: str | None) -> dict[str, Any]:
        decl = self.session.declaration
        return model_trained_payload(
            model_class=fit.model_class,
            library=fit.library,
            variable=variable,
            inputs=fit.inputs,
            findings={ds.id: ds.scan for ds in self.session.datasets.values()},
            purpose=decl.purpose.id if decl else None,
            steps=fit.steps,
            wrapper=fit.wrapper,
            extra=fit.extra,
        )

    def payload_for(self, model: Any) -> dict[str, Any] | None:
        """The ``model_trained`` payload of a model trained in this kernel (this cell's or logged)."""
        for fit in self.pending:
            if fit.model is model:
                return self._payload(fit, None)
        entry = self.trained.get(id(model))
        if entry is None or (entry[0] is not None and entry[0]() is not model):
            return None
        return entry[1]

    def _remember(self, model: Any, payload: dict[str, Any]) -> None:
        key = id(model)
        try:
            ref: weakref.ref[Any] | None = weakref.ref(model, lambda _r: self.trained.pop(key, None))
        except TypeError:
            ref = None  # kept while the kernel runs: such models are few
            self.trained[key] = (None, payload)
            self._keep.append(model)
            return
        self.trained[key] = (ref, payload)

    def flush(self, namespace: dict[str, Any]) -> None:
        """Log the fits of the cell that just ended, each with the variable the model ended up in."""
        fits, self.pending = self.pending, []
        for fit in fits:
            payload = self._payload(fit, variable_of(fit.model, namespace))
            self._remember(fit.model, payload)
            if self.guard is not None:
                self.guard.watch(fit.model, payload["purpose"], payload["model_class"])
            with contextlib.suppress(TypeError):  # a model that cannot be weakly referenced
                self.lineage.models[fit.model] = payload["datasets"]
            self.session.log("model_trained", payload)


def merge(items: list[TrainingInput]) -> TrainingInput:
    """Several governed inputs (features and labels) as one."""
    if len(items) == 1:
        return items[0]
    rows = [i.rows for i in items if i.rows is not None]
    first = items[0]
    others = [*first.targets, *(c for i in items[1:] for c in (*i.columns, *i.targets))]
    return TrainingInput(
        tuple(sorted({d for i in items for d in i.datasets})),
        first.columns,
        rows[0] if rows else None,
        frozenset().union(*(i.raw_columns for i in items)),
        tuple(c for c in dict.fromkeys(others) if c not in first.columns),
    )


def variable_of(model: Any, namespace: dict[str, Any]) -> str | None:
    """The user variable holding ``model`` (or a pipeline/container holding it), if any."""
    names = sorted(k for k, v in namespace.items() if v is model and not k.startswith("_"))
    if names:
        return names[0]
    for name, value in namespace.items():
        steps = getattr(value, "steps", None)
        if not name.startswith("_") and isinstance(steps, list) and any(s is model for _n, s in steps):
            return name
    return None
