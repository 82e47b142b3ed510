"""Displays of unmasked Spark frames, marked for the save hook whatever form they take.

``df.show()`` prints, so its table reaches the notebook as a stream output, which carries no metadata:
the save hook can only find raw values in it by their fingerprints, and those cover a value whole or
cut as ``show()`` cuts it by default (20 characters). ``show(truncate=N)`` at another width,
``show(vertical=True)`` or the HTML table of ``spark.sql.repl.eagerEval`` with its own cut would have
been saved with the raw values.

So the frame an unmask returns carries its grant's plan mark (:func:`.spark_marks.mark_grant`), and
every frame derived from it inherits it. When such a frame is shown and may show a granted column (any
column but the unmasked frame's other columns passed through as they were: a granted one, or one
renamed, computed, joined or merged by a union, whatever its name), ``show()``
publishes its table as a display marked with the grants (the live notebook shows the same text), and
the eager HTML table is marked as pandas displays are: the save hook replaces them on disk.
"""

from __future__ import annotations

import contextlib
import io
import sys
import threading
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..records.clean_outputs import MARK_KEY
from .spark_marks import grants_shown

if TYPE_CHECKING:
    from .session import Dataset, Grant

EAGER = "spark.sql.repl.eagerEval.enabled"


def spark_grants_shown(
    sdf: Any, grants: dict[str, Grant], datasets: dict[str, Dataset], rebuilt: Collection[str] = ()
) -> set[str]:
    """The grants of this kernel whose raw values a display of ``sdf`` may show (:func:`.grants_shown`):
    those of Spark unmasks, and ``rebuilt``, whose values went into a Spark frame made from data."""
    spark = {
        g.id: g.columns
        for g in grants.values()
        if g.id in rebuilt or (g.dataset in datasets and datasets[g.dataset].engine == "spark")
    }
    return grants_shown(sdf, spark) if spark else set()


def sampled_values(data: Any, sample: int) -> list[Any]:
    """Values of ``sample`` rows at the head and at the tail of what ``spark.createDataFrame`` gets: a
    pandas frame, a list of rows (``Row``, tuples, dicts, scalars), an Arrow table or an RDD (whose
    first rows are taken: a Spark job)."""
    if isinstance(data, pd.DataFrame):
        ends = data if len(data) <= 2 * sample else pd.concat([data.head(sample), data.tail(sample)])
        return [v for c in range(ends.shape[1]) for v in ends.iloc[:, c].tolist()]
    if hasattr(data, "to_pylist") and hasattr(data, "slice"):  # an Arrow table
        rows = data.slice(0, sample).to_pylist() + data.slice(max(len(data) - sample, 0)).to_pylist()
    elif hasattr(data, "mapPartitions") and hasattr(data, "take"):  # an RDD
        rows = data.take(sample)
    elif isinstance(data, list | tuple):
        rows = _ends(data, sample)
    else:
        return []
    return [v for row in rows for v in _cells(row)]


def _ends(items: list[Any] | tuple[Any, ...], sample: int) -> list[Any]:
    return list(items) if len(items) <= 2 * sample else [*items[:sample], *items[-sample:]]


def _cells(row: Any) -> list[Any]:
    if isinstance(row, dict):
        return list(row.values())
    if isinstance(row, list | tuple):  # a Row is a tuple
        return list(row)
    return [row]


def eager_tables(sdf: Any) -> bool:
    """Whether IPython's display of ``sdf`` is a table of its rows (``spark.sql.repl.eagerEval``)."""
    try:
        return str(sdf.sparkSession.conf.get(EAGER, "false")).lower() == "true"
    except Exception:
        return False


def marked_show(
    grants_shown: Callable[[Any], set[str]],
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Wrap ``DataFrame.show``: a table of an unmasked frame is published as a marked display."""
    from IPython.display import publish_display_data

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def show(sdf: Any, *args: Any, **kwargs: Any) -> None:
            grants = grants_shown(sdf)
            if not grants or _printed_elsewhere():
                return original(sdf, *args, **kwargs)
            table = _table(original, sdf, args, kwargs)
            mark = {MARK_KEY: {"raw_values": True, "grants": sorted(grants)}}
            publish_display_data({"text/plain": table.rstrip("\n")}, metadata=mark)
            return None

        show.__name__ = original.__name__
        show.__doc__ = original.__doc__
        return show

    return wrap


def _table(original: Callable[..., Any], sdf: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """The text ``show()`` prints, made without touching ``sys.stdout``: redirecting it (process-wide)
    from two threads at once left it pointing at a dead buffer, and every later ``print`` was lost."""
    show_string = getattr(sdf, "_show_string", None)
    if callable(show_string):  # what Spark's show() prints (PySpark 3.4+)
        return str(show_string(*args, **kwargs))
    with _REDIRECT, contextlib.redirect_stdout(io.StringIO()) as table:
        original(sdf, *args, **kwargs)
    return table.getvalue()


def _printed_elsewhere() -> bool:
    """Whether the user sent printed text elsewhere (``contextlib.redirect_stdout`` into a buffer, or
    no kernel): ``show()`` then prints its table there, as Spark does. ``%%capture`` captures the marked
    display among its outputs (``captured.show()`` shows it again, marked)."""
    try:
        from ipykernel.iostream import OutStream
        from IPython import get_ipython
        from IPython.core.displaypub import CapturingDisplayPublisher
    except ImportError:
        return True
    shell = get_ipython()
    if shell is None:
        return True
    if isinstance(getattr(shell, "display_pub", None), CapturingDisplayPublisher):
        return False
    return not isinstance(sys.stdout, OutStream)


_REDIRECT = threading.Lock()
