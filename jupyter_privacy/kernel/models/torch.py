"""PyTorch: tensors, datasets and loaders built from governed data, then a training loop.

Lineage follows ``torch.tensor``/``as_tensor``/``from_numpy`` of a governed frame or of an array taken
from one, ``TensorDataset``, ``DataLoader`` and the batches it yields. A module counts as trained when it
was called on governed data with gradients on and in training mode, and an optimizer holding its
parameters then took a step (global module and optimizer hooks). The outermost such module is logged.
Known gaps: tensors computed from governed tensors (``X[idx]``, ``X * 2``) and custom ``Dataset``
classes do not carry lineage; a loop without a ``torch.optim`` optimizer is not seen.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Iterator
from typing import Any

from .patcher import Patcher
from .tracker import FitTracker, TrainingInput, merge

MODULE = "torch"


class TorchHooks:
    """The global hooks and the modules seen this cell."""

    def __init__(self, tracker: FitTracker) -> None:
        self.tracker = tracker
        self.seen: weakref.WeakKeyDictionary[Any, list[TrainingInput]] = weakref.WeakKeyDictionary()
        self.trained: weakref.WeakSet[Any] = weakref.WeakSet()
        self.handles: list[Any] = []

    def forward_pre(self, module: Any, args: tuple[Any, ...]) -> None:
        import torch

        if not (module.training and torch.is_grad_enabled()):
            return
        found = self.tracker.inputs(args)
        if found:
            self.seen.setdefault(module, []).extend(found)

    def step_post(self, optimizer: Any, _args: Any, _kwargs: Any) -> None:
        params = {id(p) for group in optimizer.param_groups for p in group["params"]}
        for module in list(self.seen.keys()):
            if any(id(p) in params for p in module.parameters()):
                self.trained.add(module)

    def collect(self) -> None:
        """Note the outermost trained modules of the cell (called before the tracker flushes)."""
        trained = list(self.trained)
        inner = {id(sub) for m in trained for sub in m.modules() if sub is not m}
        for module in trained:
            if id(module) not in inner:
                self.tracker.note(module, [merge(self.seen[module])], "torch")
        self.seen = weakref.WeakKeyDictionary()
        self.trained = weakref.WeakSet()


def install(patcher: Patcher, tracker: FitTracker) -> TorchHooks:
    import torch
    import torch.utils.data as tud
    from torch.nn.modules.module import register_module_forward_pre_hook
    from torch.optim.optimizer import register_optimizer_step_post_hook

    hooks = TorchHooks(tracker)
    for name in ("tensor", "as_tensor", "from_numpy"):
        patcher.wrap(torch, name, _derive_result(tracker))
    patcher.wrap(tud.TensorDataset, "__init__", _derive_init(tracker))
    patcher.wrap(tud.DataLoader, "__init__", _derive_init(tracker))
    patcher.wrap(tud.DataLoader, "__iter__", _batches(tracker))
    hooks.handles = [
        register_module_forward_pre_hook(hooks.forward_pre),
        register_optimizer_step_post_hook(hooks.step_post),
    ]
    return hooks


def uninstall(hooks: TorchHooks) -> None:
    for handle in hooks.handles:
        handle.remove()


def _derive_result(tracker: FitTracker) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def make(data: Any, *args: Any, **kwargs: Any) -> Any:
            result = original(data, *args, **kwargs)
            tracker.derive(result, [data])
            return result

        return make

    return wrap


def _derive_init(tracker: FitTracker) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            original(self, *args, **kwargs)
            tracker.derive(self, [*args, *kwargs.values()])

        return __init__

    return wrap


def _batches(tracker: FitTracker) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def __iter__(self: Any) -> Iterator[Any]:
            source = tracker.derived.get(self)
            iterator = original(self)
            if source is None:
                return iterator
            return _tagged(iterator, tracker, source)

        return __iter__

    return wrap


def _tagged(iterator: Iterator[Any], tracker: FitTracker, source: TrainingInput) -> Iterator[Any]:
    for batch in iterator:
        parts = (
            batch.values()
            if isinstance(batch, dict)
            else batch
            if isinstance(batch, list | tuple)
            else [batch]
        )
        for part in parts:
            tracker.derived.add(part, source)
        yield batch
