"""Spark frames unmasked under a grant that was since revoked run nothing more.

Ending or changing the purpose revokes its grants: a pandas frame's granted columns are masked again in
place. A Spark frame cannot be changed in place (it is a plan, and each action reads the source again),
so it kept showing the raw values. Now the DataFrame methods that run it (``collect``, ``take``,
``toPandas``, ``toArrow``, ``show``, the eager table, ``tail``, ``toLocalIterator``, ``rdd``, ``toJSON``,
``write``, ``writeTo``, ``mergeInto``, ``count``, ``isEmpty``, the statistics, checkpoints, ``foreach``)
and those making a temporary view first read the frame's grant marks off its plan (:mod:`.spark_marks`,
which every frame derived from the unmask's carries) and refuse, with one error, when one names a
revoked grant. Even a count is processing of the raw values after the purpose ended
(``filter(email == "...").count()`` says whether a person is in the data). Some methods run it while
making a new frame, to name its columns after its values: ``crosstab``, ``transpose`` and
``groupBy(...).pivot(column)`` without the values are refused too (the new columns were the raw
addresses). Temporary views made from such a frame before the revocation are dropped then
(:mod:`.spark_views`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import UnmaskDenied
from .spark_displays import eager_tables
from .spark_marks import spark_grants_of

if TYPE_CHECKING:
    from .session import PrivacySession

METHODS = (
    *("collect", "_collect_as_arrow", "tail", "toLocalIterator", "_show_string", "toJSON", "writeTo"),
    *("createTempView", "createOrReplaceTempView", "createGlobalTempView", "createOrReplaceGlobalTempView"),
    "registerTempTable",  # a view SQL could read the raw values through (see :mod:`.spark_views`)
    *("count", "isEmpty", "approxQuantile", "corr", "cov", "foreach", "foreachPartition"),
    *("checkpoint", "localCheckpoint"),  # they run it, and a reliable checkpoint saves its rows
    *("toPandas", "toArrow"),  # on Spark Connect they do not go through collect or _collect_as_arrow
    *("crosstab", "transpose"),  # they collect the values that name the new frame's columns
    "mergeInto",  # a MERGE writes the rows into a table
)
EAGER = ("_repr_html_", "__repr__")  # only when they show rows (eagerEval): the text says why, no table
PROPERTIES = ("rdd", "write", "writeStream")


def hook_revoked(session: PrivacySession, frame: Any, patch: Callable[..., None], patched: set[Any]) -> None:
    """Gate the row-handing methods of the DataFrame class ``frame`` (``patch`` as ``Lineage._patch``)."""
    for name in (*METHODS, *EAGER, *PROPERTIES):
        if (id(frame), name) in patched or not hasattr(frame, name):
            continue
        if name in PROPERTIES:
            patch(frame, name, _gated_property(session))
        else:
            patch(frame, name, _gated(session, eager_only=name in EAGER))
    connect = frame.__module__.startswith("pyspark.sql.connect")
    group = importlib.import_module(
        "pyspark.sql.connect.group" if connect else "pyspark.sql.group"
    ).GroupedData
    if (id(group), "pivot") not in patched:
        patch(group, "pivot", _gated_pivot(session))


def refuse_revoked(session: PrivacySession, sdf: Any) -> None:
    """Raise when ``sdf`` derives from an unmask whose grant was revoked (nothing to check otherwise)."""
    revoked = session.revoked_grants
    if not revoked:
        return
    held = revoked.intersection(spark_grants_of(sdf))
    if held:
        raise UnmaskDenied(
            f"this Spark frame derives from values unmasked under grant {', '.join(sorted(held))}, revoked "
            "when its purpose ended or changed: it runs no more. Declare a purpose and unmask again."
        )


def _gated(
    session: PrivacySession, *, eager_only: bool
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def method(sdf: Any, *args: Any, **kwargs: Any) -> Any:
            if session.revoked_grants and (not eager_only or eager_tables(sdf)):
                try:
                    refuse_revoked(session, sdf)
                except UnmaskDenied as exc:
                    if not eager_only:
                        raise
                    # a display: no HTML table, and the text says why (one message, no traceback)
                    return None if original.__name__ == "_repr_html_" else f"UnmaskDenied: {exc}"
            return original(sdf, *args, **kwargs)

        method.__name__ = original.__name__
        method.__doc__ = original.__doc__
        return method

    return wrap


def _gated_pivot(session: PrivacySession) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``groupBy(...).pivot(column)`` without its values collects them (the new columns' names)."""

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def pivot(grouped: Any, pivot_col: Any, values: Any = None) -> Any:
            if values is None:
                refuse_revoked(session, grouped._df)
            return original(grouped, pivot_col, values)

        pivot.__name__ = original.__name__
        pivot.__doc__ = original.__doc__
        return pivot

    return wrap


def _gated_property(session: PrivacySession) -> Callable[[Any], Any]:
    def wrap(original: Any) -> property:
        def get(sdf: Any) -> Any:
            refuse_revoked(session, sdf)
            return original.__get__(sdf, type(sdf))

        return property(get, doc=original.__doc__)

    return wrap
