"""Lineage: which datasets a frame, a file or a model came from.

- Frames carry their dataset ids in ``DataFrame.attrs``, which pandas propagates through selection,
  filtering, assign, groupby, sort and most other operations. pandas drops ``attrs`` when it
  combines frames with different attrs (merge, join, concat); a wrapper around ``__finalize__``
  unites the inputs' dataset ids there.
- Writers (``to_csv``/``to_parquet``/... , ``pickle.dump``, ``joblib.dump``) of governed objects log
  ``output_written`` with the file's SHA-256, once the cell has finished (files are closed then).
- Models are followed by :mod:`.models` (one hook module per library), which adds each trained
  model to :attr:`Lineage.models` so that dumping it is logged as a model output.

Known gaps (documented): frames rebuilt from NumPy arrays lose their lineage; writers imported by
name before the extension loaded are not wrapped.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from pandas.core.generic import NDFrame

from .models.record import TrainingInput, model_trained_payload, personal_data
from .models.tracker import variable_of
from .session import ATTRS_KEY, datasets_of

if TYPE_CHECKING:
    from .session import PrivacySession

log = logging.getLogger(__name__)

WRITERS = (
    "to_csv",
    "to_parquet",
    "to_json",
    "to_excel",
    "to_pickle",
    "to_feather",
    "to_hdf",
    "to_stata",
    "to_xml",
)


GROUPBY_METHODS = ("agg", "aggregate", "size", "transform", "value_counts", "apply", "count", "nunique")


def _inherit(source: Callable[[Any], Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Wrap a method so its result carries the dataset ids of ``source(self)`` when pandas dropped them."""

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            result = original(self, *args, **kwargs)
            ids = datasets_of(source(self))
            if ids and isinstance(result, NDFrame) and not datasets_of(result):
                result.attrs[ATTRS_KEY] = {"datasets": ids}
            return result

        method.__name__ = original.__name__
        method.__doc__ = original.__doc__
        return method

    return wrap


@dataclass
class _PendingOutput:
    path: Path
    kind: str
    datasets: list[str]
    columns: list[str] | None
    via: str
    raw_columns: list[str] = field(default_factory=list)


@dataclass
class _PendingFit:
    estimator: weakref.ref[Any]
    cls: str
    datasets: list[str]
    columns: list[str]
    rows: int | None  # None: not counted (a Spark DataFrame would need a job)


@dataclass
class Lineage:
    """Patches pandas/pickle/joblib/sklearn for one session; ``uninstall`` restores everything."""

    session: PrivacySession
    outputs: list[_PendingOutput] = field(default_factory=list)
    fits: list[_PendingFit] = field(default_factory=list)  # Spark MLlib (spark_lineage)
    model_dumped: Callable[[Any, Path], None] | None = None  # sidecar writer (models.purpose)
    models: weakref.WeakKeyDictionary[Any, list[str]] = field(default_factory=weakref.WeakKeyDictionary)
    _restore: list[tuple[Any, str, Any]] = field(default_factory=list)
    # which columns of a frame hold unmasked values (set by the extension: RawOutputs.raw_columns)
    raw_columns: Callable[[Any], list[str]] | None = None
    # which grants a display of a Spark frame may show (set by the extension: RawOutputs)
    spark_grants_shown: Callable[[Any], set[str]] | None = None
    # which grants' raw values the data a Spark frame is made from holds (set by the extension)
    raw_grants_in: Callable[[Any], set[str]] | None = None
    # told of each local folder or file a governed Spark frame was written to (set by the extension)
    raw_output: Callable[[Any, Path], None] | None = None
    # a Spark SQL write on Spark Connect cannot be traced: said once (spark_sql)
    connect_sql_warned: bool = False

    # -- install / uninstall --------------------------------------------------------------------

    def _patch(self, owner: Any, name: str, wrapper: Callable[..., Any]) -> None:
        original = getattr(owner, name)
        self._restore.append((owner, name, original))
        setattr(owner, name, wrapper(original))

    def install(self) -> None:
        self._patch(NDFrame, "__finalize__", self._finalize)
        # some aggregations build their result without __finalize__ (named agg, size, transform,
        # value_counts): give those results the lineage of the frame they were computed from
        from pandas.core.groupby.generic import DataFrameGroupBy, SeriesGroupBy

        for cls in (DataFrameGroupBy, SeriesGroupBy):
            for name in GROUPBY_METHODS:
                if hasattr(cls, name):
                    self._patch(cls, name, _inherit(lambda g: g.obj))
        for cls in (pd.DataFrame, pd.Series):
            self._patch(cls, "value_counts", _inherit(lambda obj: obj))
        for cls in (pd.DataFrame, pd.Series):
            for name in WRITERS:
                if hasattr(cls, name):
                    self._patch(cls, name, self._writer(name))
        self._patch(pickle, "dump", self._dumper("pickle.dump"))
        self.hook_modules()

    def hook_modules(self) -> None:
        """Wrap joblib once it is imported (called after every cell)."""
        patched = {(id(o), n) for o, n, _ in self._restore}
        joblib = sys.modules.get("joblib")
        if joblib is not None and (id(joblib), "dump") not in patched:
            self._patch(joblib, "dump", self._dumper("joblib.dump"))
        if "pyspark.sql.readwriter" in sys.modules or "pyspark.sql.connect.readwriter" in sys.modules:
            from .spark_lineage import hook_spark

            hook_spark(self, patched)

    def import_and_hook(self, code: str) -> None:
        """Import the libraries a cell is about to use (if installed) so their hooks are in place."""
        import importlib

        wanted = [
            ("joblib", "joblib"),
            ("spark", "pyspark.sql.readwriter"),
            (".remote(", "pyspark.sql.connect.readwriter"),  # Spark Connect (needs pyspark[connect])
            ("pyspark.ml", "pyspark.ml.base"),
        ]
        for mention, module in wanted:
            if mention in code and module not in sys.modules:
                try:
                    importlib.import_module(module)
                except ImportError:
                    continue
        self.hook_modules()

    def uninstall(self) -> None:
        for owner, name, original in reversed(self._restore):
            setattr(owner, name, original)
        self._restore.clear()

    # -- wrappers ---------------------------------------------------------------------------------

    def _finalize(self, original: Callable[..., Any]) -> Callable[..., Any]:
        def __finalize__(obj: Any, other: Any, method: str | None = None, **kwargs: Any) -> Any:
            result = original(obj, other, method=method, **kwargs)
            if method in ("merge", "concat"):
                inputs = [getattr(other, "left", None), getattr(other, "right", None)]
                inputs += list(getattr(other, "objs", []) or [])
                ids = sorted({d for o in inputs if o is not None for d in datasets_of(o)})
                if ids:
                    result.attrs[ATTRS_KEY] = {"datasets": ids}
            return result

        return __finalize__

    def _writer(self, name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
            def writer(obj: Any, *args: Any, **kwargs: Any) -> Any:
                result = original(obj, *args, **kwargs)
                ids = datasets_of(obj)
                target = (
                    args[0]
                    if args
                    else kwargs.get("path_or_buf", kwargs.get("path", kwargs.get("excel_writer")))
                )
                path = _target_path(target)
                if ids and path is not None:
                    written = _as_written(obj, kwargs)
                    columns = [str(c) for c in written.columns]
                    raw = self.raw_columns(written) if self.raw_columns is not None else []
                    self.outputs.append(_PendingOutput(path, type(obj).__name__, ids, columns, name, raw))
                return result

            writer.__name__ = name
            writer.__doc__ = original.__doc__
            return writer

        return wrap

    def _dumper(self, via: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
            def dump(obj: Any, target: Any, *args: Any, **kwargs: Any) -> Any:
                result = original(obj, target, *args, **kwargs)
                ids = self.object_datasets(obj)
                path = _target_path(target)
                if ids and path is not None:
                    kind = "model" if obj in self._model_keys() else type(obj).__name__
                    self.outputs.append(_PendingOutput(path, kind, ids, None, via))
                    if kind == "model" and self.model_dumped is not None:
                        self.model_dumped(obj, path)
                return result

            dump.__name__ = original.__name__
            dump.__doc__ = original.__doc__
            return dump

        return wrap

    # -- helpers ------------------------------------------------------------------------------------

    def _model_keys(self) -> list[Any]:
        return list(self.models.keys())

    def object_datasets(self, obj: Any, depth: int = 0) -> list[str]:
        """Datasets behind an object: a governed frame, a tracked model, or containers of them."""
        ids = set(datasets_of(obj))
        try:
            if obj in self.models:
                ids.update(self.models[obj])
        except TypeError:
            pass
        if depth < 2:
            if isinstance(obj, dict):
                for value in obj.values():
                    ids.update(self.object_datasets(value, depth + 1))
            elif isinstance(obj, list | tuple):
                for value in obj:
                    ids.update(self.object_datasets(value, depth + 1))
            elif hasattr(obj, "get_params") and hasattr(obj, "steps"):  # sklearn Pipeline
                for _name, step in obj.steps:
                    ids.update(self.object_datasets(step, depth + 1))
        return sorted(ids)

    def flush(self, namespace: dict[str, Any]) -> None:
        """Log the Spark MLlib fits and the outputs of the cell that just ended."""
        fits, self.fits = self.fits, []
        outputs, self.outputs = self.outputs, []
        findings = {ds.id: ds.scan for ds in self.session.datasets.values()}
        decl = self.session.declaration
        for fit in fits:
            model = fit.estimator()
            payload = model_trained_payload(
                model_class=fit.cls,
                library=fit.cls.split(".", 1)[0],
                variable=variable_of(model, namespace) if model is not None else None,
                inputs=[TrainingInput(tuple(fit.datasets), tuple(fit.columns), fit.rows)],
                findings=findings,
                purpose=decl.purpose.id if decl else None,
            )
            self.session.log("model_trained", payload)
        for out in outputs:
            sha = _sha256(out.path)
            self.session.log(
                "output_written",
                {
                    "path": str(out.path),
                    "sha256": sha,
                    "kind": out.kind,
                    "via": out.via,
                    "datasets": out.datasets,
                    "columns": out.columns,
                    "raw_columns": out.raw_columns,
                    # minimisation: the personal-data columns that went into the file (tokens count)
                    "personal_data": personal_data(
                        [TrainingInput(tuple(out.datasets), tuple(out.columns or ()), None)], findings
                    ),
                },
            )


_EDGE = 50  # rows at each end of a written frame checked for raw values (RawOutputs.SAMPLE)


def _as_written(obj: pd.DataFrame | pd.Series, kwargs: dict[str, Any]) -> pd.DataFrame:
    """The columns a writer puts in the file: a Series is one column, and a frame's index is written
    with it (as leading columns) unless ``index=False`` or a JSON orient without it."""
    frame = obj.to_frame() if isinstance(obj, pd.Series) else obj
    skips_index = kwargs.get("index") is False or kwargs.get("orient") in ("records", "values")
    if isinstance(frame.index, pd.RangeIndex) or skips_index:
        return frame
    if len(frame) > 2 * _EDGE:  # the raw check samples the head and the tail: no copy of a big frame
        frame = pd.concat([frame.head(_EDGE), frame.tail(_EDGE)])
    return frame.reset_index(allow_duplicates=True)


def _target_path(target: Any) -> Path | None:
    if isinstance(target, str | os.PathLike):
        text = os.fspath(target)
        if "://" in str(text):
            return None
        return Path(text).expanduser().resolve()
    name = getattr(target, "name", None)
    if isinstance(name, str) and name and not name.startswith("<"):
        return Path(name).expanduser().resolve()
    return None


def _sha256(path: Path) -> str | None:
    try:
        h = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(8 * 1024 * 1024), b""):
                h.update(block)
        return h.hexdigest()
    except OSError:
        return None
