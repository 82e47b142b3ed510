"""Displays of unmasked values: marked in the kernel, so a saved notebook can leave them out.

On every grant the raw values handed out are indexed by keyed fingerprints (:class:`RawValueIndex`,
no raw value kept) and the index is written beside the ledger for the server's save hook. Every rich
display and ``Out[n]`` then goes through IPython's display formatter, wrapped here: when the object
shown is (or derives from) an unmasked frame with granted columns, or the formatted text holds a
granted raw value, the output's metadata names the grants (``{"jupyter_privacy": {"grants": [...]}}``).
The live output is shown unchanged; the save hook in the server replaces marked outputs on disk.
``print`` output carries no metadata: the save hook finds raw values in it by the same fingerprints.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from ..mask.raw_index import Fingerprinter, RawValueIndex, indexes_in, value_fingerprints
from ..records.clean_outputs import MARK_KEY, output_text
from ..records.raw_grants import GrantFingerprints, write_grant
from .errors import UnmaskDenied
from .session import Grant, PrivacySession, datasets_of
from .spark_displays import eager_tables, sampled_values, spark_grants_shown
from .spark_load import is_spark_frame

SAMPLE = 50
"""Cells per granted column checked at the head and at the tail of a displayed frame."""


class RawOutputs:
    """Marks this kernel's outputs that show values of its grants."""

    def __init__(self, session: PrivacySession, shell: Any) -> None:
        self.session = session
        self.shell = shell
        self.indexes: dict[str, RawValueIndex] = {}
        self.grants: dict[str, Grant] = {}
        self.raw_files: dict[Path, set[str]] = {}  # local outputs of frames that may show granted values
        self.rebuilt: set[str] = set()  # grants whose values were put into a Spark frame made from data
        self._fp: Fingerprinter | None = None
        self._original: Callable[..., Any] | None = None

    def install(self) -> None:
        self.session.grant_listeners.append(self.on_grant)
        formatter = getattr(self.shell, "display_formatter", None)
        if formatter is not None:
            self._original = formatter.format
            formatter.format = self._format

    def uninstall(self) -> None:
        if self.on_grant in self.session.grant_listeners:
            self.session.grant_listeners.remove(self.on_grant)
        if self._original is not None:
            del self.shell.display_formatter.format  # the class's method shows through again
            self._original = None

    @property
    def fp(self) -> Fingerprinter:
        if self._fp is None:
            self._fp = Fingerprinter(self.session.key)
        return self._fp

    def on_grant(self, grant: Grant, raw: pd.DataFrame | RawValueIndex) -> None:
        """Index the values a grant hands out (a Spark grant brings its index) and store the index for
        the save hook."""
        key = self.session.key
        if isinstance(raw, RawValueIndex):
            index = raw
        else:
            index = RawValueIndex.build((v for c in raw.columns for v in _distinct(raw[c])), key)
        record = GrantFingerprints(
            grant.id,
            self.session.notebook,
            grant.dataset,
            grant.purpose,
            tuple(grant.columns),
            key.key_id,
            index,
        )
        where = self.session.policy.log.resolved_path()
        try:
            write_grant(where, record)
        except OSError as exc:
            raise UnmaskDenied(
                f"the raw values cannot be handed out: their fingerprints, which keep them out of saved "
                f"notebooks, cannot be stored beside the log ({where}): {exc.strerror or exc}"
            ) from None
        self.indexes[grant.id] = index
        self.grants[grant.id] = grant

    def _format(self, obj: Any, *args: Any, **kwargs: Any) -> Any:
        assert self._original is not None
        data, metadata = self._original(obj, *args, **kwargs)
        grants = self.grants_shown(obj, data) if self.indexes else set()
        if grants:
            metadata = {**(metadata or {}), MARK_KEY: {"raw_values": True, "grants": sorted(grants)}}
        return data, metadata

    def grants_shown(self, obj: Any, data: dict[str, Any]) -> set[str]:
        """The grants whose raw values ``obj`` (formatted as ``data``) shows."""
        found = indexes_in(output_text({"data": data}), self.indexes, self.fp)
        return found | self._in_object(obj)

    def columns_holding_raw(self, obj: Any) -> list[str]:
        """The columns of a frame (or the series), in order, that hold values of this kernel's grants.

        By value, not by name or lineage (unlike :meth:`raw_columns`): a granted column renamed, copied
        into another frame or rebuilt from a NumPy array still counts. Used for ``output_written``.
        """
        if not self.indexes or not isinstance(obj, pd.DataFrame | pd.Series):
            return []
        frame = obj.to_frame() if isinstance(obj, pd.Series) else obj
        found = []
        for position, name in enumerate(frame.columns):
            values = frame.iloc[:, position]
            sample = pd.concat([values.head(SAMPLE), values.tail(SAMPLE)]).dropna()
            if any(index.contains_value(v, self.fp) for index in self.indexes.values() for v in sample):
                found.append(str(name))
        return found

    def spark_grants_shown(self, sdf: Any) -> set[str]:
        """The grants whose raw values a display of the Spark frame ``sdf`` may show (by its plan)."""
        if not self.grants:
            return set()
        found = spark_grants_shown(sdf, self.grants, self.session.datasets, self.rebuilt)
        return found | self._read_back(sdf) if self.raw_files else found

    def remember_raw_output(self, sdf: Any, path: Path) -> None:
        """``sdf`` was written to the local ``path``: if it may show granted values, a frame read back
        from there (a new plan, without the grant's mark) is marked with those grants."""
        grants = self.spark_grants_shown(sdf)
        if grants:
            self.raw_files[path] = self.raw_files.get(path, set()) | grants

    def _read_back(self, sdf: Any) -> set[str]:
        """The grants of the raw outputs written earlier that ``sdf`` reads (by its input files)."""
        try:
            files = [
                Path(f[len("file:") :] if f.startswith("file:") else f).resolve() for f in sdf.inputFiles()
            ]
        except Exception:  # not a file-based frame
            return set()
        return {
            g
            for root, grants in list(self.raw_files.items())  # another thread may write meanwhile
            if any(f == root or root in f.parents for f in files)
            for g in grants
        }

    def grants_in_data(self, data: Any) -> set[str]:
        """The grants whose raw values ``data`` holds (what a Spark frame is made from: a pandas frame,
        rows, an RDD), by a sample of its values; remembered, as the frame is marked with them."""
        if not self.indexes:
            return set()
        fingerprints = value_fingerprints((v for v in sampled_values(data, SAMPLE) if v is not None), self.fp)
        found = {g for g, index in self.indexes.items() if index.contains_any(fingerprints)}
        self.rebuilt |= found
        return found

    def _in_object(self, obj: Any) -> set[str]:
        if is_spark_frame(obj):  # its rows are shown only as an eager table
            return self.spark_grants_shown(obj) if self.grants and eager_tables(obj) else set()
        if not isinstance(obj, pd.DataFrame | pd.Series):
            return set()
        return set(self._raw_hits(obj.to_frame() if isinstance(obj, pd.Series) else obj))

    def raw_columns(self, frame: pd.DataFrame, datasets: list[str] | None = None) -> set[str]:
        """The columns of ``frame`` that hold raw (unmasked) values of this kernel's grants."""
        if not self.indexes:
            return set()
        return set().union(*self._raw_hits(frame, datasets).values())

    def _raw_hits(self, frame: pd.DataFrame, datasets: list[str] | None = None) -> dict[str, set[str]]:
        """Per grant, the granted columns of ``frame`` whose sampled values are that grant's raw values."""
        ids = set(datasets if datasets is not None else datasets_of(frame))
        hits: dict[str, set[str]] = {}
        for gid, grant in self.grants.items():
            if grant.dataset not in ids:
                continue
            for column in grant.columns:
                if column not in frame.columns:
                    continue
                values = frame[column]
                if not isinstance(values, pd.Series):  # duplicate column names
                    values = values.iloc[:, 0]
                sample = pd.concat([values.head(SAMPLE), values.tail(SAMPLE)]).dropna()
                if any(self.indexes[gid].contains_value(v, self.fp) for v in sample):
                    hits.setdefault(gid, set()).add(column)
        return hits


def _distinct(values: pd.Series) -> Any:
    """A column's distinct values; a column of lists or dicts (unhashable) by their text."""
    try:
        return values.unique()
    except TypeError:
        return values.map(str).unique()
