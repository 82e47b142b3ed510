"""Temporary views of a Spark unmask's frames are dropped when its grant is revoked.

A temporary view keeps a frame's plan under a name SQL can read. One made from an unmask's frame while
the purpose held (``contacts.createOrReplaceTempView("v")``, ``CREATE TEMP VIEW v2 AS SELECT ... FROM v``,
a global view) let ``spark.sql("CREATE TABLE t AS SELECT * FROM v")`` write the raw values after the
purpose ended: such a statement runs inside ``spark.sql``, before any frame method could refuse it. So
when grants are revoked, each temporary view (local or global) of their SparkSessions whose plan carries
one of their marks (:mod:`.spark_marks`) is dropped and a warning names it; a statement or
``spark.table`` that names one later is refused with one error (:func:`refused_view`). A revoked frame
makes no new view (:mod:`.spark_revoked`). Views of masked frames are kept. The sessions made by
``spark.newSession()`` are checked too: one can keep a global view's plan in a view of its own
(``s2.table("global_temp.v").createOrReplaceTempView("v2")``), and a SQL write from that view wrote the
raw values after the purpose ended.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from .errors import UnmaskDenied
from .spark_marks import spark_grants_of
from .spark_variables import drop_variables

if TYPE_CHECKING:
    from .session import Grant, PrivacySession

_LOG = logging.getLogger(__name__)
_DROPPED = "_jupyter_privacy_dropped_views"  # on a SparkSession: {lower-case shown name: grant id}
_QUOTED = "_jupyter_privacy_dropped_quoted"  # on a SparkSession: {lower-case name as Spark quotes it: shown}
_SESSIONS: weakref.WeakSet[Any] = weakref.WeakSet()  # those made by newSession() (their views too)


def watch_views(session: PrivacySession, grant: Grant, spark: Any) -> None:
    """Drop ``spark``'s views of ``grant``'s frames when it is revoked (the hook is added once)."""
    grant.engine_session = spark
    if not any(isinstance(h, partial) and h.func is _revoke_views for h in session.revoke_hooks):
        session.revoke_hooks.append(partial(_revoke_views, session))


def _revoke_views(session: PrivacySession, grants: list[Grant]) -> dict[str, int]:
    """Drop the views of every SparkSession of ``grants`` that show one of their values; say which."""
    ids = {g.id for g in grants}
    dropped: list[tuple[str, str]] = []
    variables: list[tuple[str, str]] = []
    sessions = {id(g.engine_session): g.engine_session for g in grants if g.engine_session}
    sessions.update((id(s), s) for s in list(_SESSIONS) if id(s) not in sessions)
    for spark in sessions.values():
        try:
            dropped += _drop(spark, ids)
            variables += drop_variables(spark, ids)  # SET VAR ... = (SELECT ... FROM a raw view)
        except Exception as exc:  # a stopped session keeps no views; anything else is said
            if not _stopped(spark):
                _LOG.warning(
                    "jupyter-privacy: the temporary views of a SparkSession could not be checked for values "
                    "of the revoked grants (%s); drop any view made from an unmasked frame",
                    type(exc).__name__,
                )
    _said(session, "session variables", variables)
    _said(session, "temporary views", dropped, " Declare a purpose, unmask again and recreate them.")
    return {"temporary_views_dropped": len(dropped), "session_variables_dropped": len(variables)}


def _said(session: PrivacySession, what: str, dropped: list[tuple[str, str]], hint: str = "") -> None:
    """A warning naming what was dropped (a name that is personal data by its token), and for which grants."""
    if dropped:
        names = [n for n, _g in dropped]
        grant_ids = ", ".join(sorted({g for _n, g in dropped}))
        _LOG.warning(
            session.labels.message(
                f"jupyter-privacy: {what} dropped, they held values unmasked under grant {grant_ids}, now "
                f"revoked: {', '.join(names)}.{hint}",
                names,
            )
        )


def _drop(spark: Any, ids: set[str]) -> list[tuple[str, str]]:
    """(shown name, grant id) of each view of ``spark`` dropped for showing values of grants ``ids``.
    Every view is read before any is dropped: a SQL view over another one no longer resolves after."""
    global_db = spark.conf.get("spark.sql.globalTempDatabase", "global_temp")
    held = []
    for view in spark.catalog.listTables(dbName=global_db):
        is_global = bool(view.namespace) and view.namespace[-1] == global_db
        qualified = f"{_quoted(global_db)}.{_quoted(view.name)}" if is_global else _quoted(view.name)
        grants = sorted(ids.intersection(_grants(spark, qualified))) if view.isTemporary else []
        if grants:
            held.append((view.name, is_global, grants[0]))
    dropped = []
    for name, is_global, grant in held:
        if is_global:
            spark.catalog.dropGlobalTempView(name)
        else:
            spark.catalog.dropTempView(name)
        shown = f"{global_db}.{name}" if is_global else name
        quoted = f"{_quoted(global_db)}.{_quoted(name)}" if is_global else _quoted(name)
        dropped.append((shown, grant))
        setattr(spark, _QUOTED, {**getattr(spark, _QUOTED, {}), quoted.lower(): shown.lower()})
    marks = getattr(spark, _DROPPED, {})
    marks.update({shown.lower(): grant for shown, grant in dropped})
    setattr(spark, _DROPPED, marks)
    return dropped


def _grants(spark: Any, qualified: str) -> list[str]:
    try:
        return spark_grants_of(spark.table(qualified))
    except Exception:  # a view whose plan no longer resolves reads nothing
        return []


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _stopped(spark: Any) -> bool:
    try:
        return spark.sparkContext._jsc is None
    except Exception:  # Spark Connect: no context here; a stopped client raises on any call
        return False


def refused_view(session: PrivacySession, spark: Any, exc: BaseException) -> UnmaskDenied | None:
    """The error for a statement that failed because it names a view dropped at a revocation."""
    dropped: dict[str, str] = getattr(spark, _DROPPED, {})
    condition = getattr(exc, "getCondition", lambda: None)()
    if not dropped or condition != "TABLE_OR_VIEW_NOT_FOUND":
        return None
    text = str(exc).lower()
    for quoted, shown in getattr(spark, _QUOTED, {}).items():  # as Spark quotes it: `a.b`, `global_temp`.`v`
        if quoted in text and shown in dropped:
            return _refusal(session, shown, dropped[shown])
    return None


def _dropped_now(session: PrivacySession, spark: Any, name: str) -> UnmaskDenied | None:
    """The refusal for ``spark.table(name)`` of a view dropped at a revocation and not made again."""
    dropped: dict[str, str] = getattr(spark, _DROPPED, {})
    shown = name.replace("`", "")
    if shown.lower() not in dropped:
        return None
    if spark.catalog.tableExists(name):  # made again since (after a new unmask, or of other data)
        dropped.pop(shown.lower())
        return None
    return _refusal(session, shown, dropped[shown.lower()])


def _refusal(session: PrivacySession, shown: str, grant: str) -> UnmaskDenied:
    message = (
        f"the temporary view {shown} was dropped when grant {grant} was revoked (it showed values "
        "unmasked under it); declare a purpose, unmask again and recreate the view"
    )
    return UnmaskDenied(session.labels.message(message, [shown]))


def session_maker(original: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap ``SparkSession.newSession``: the session made is checked for views at a revocation too."""

    def newSession(spark: Any, *args: Any, **kwargs: Any) -> Any:
        made = original(spark, *args, **kwargs)
        _SESSIONS.add(made)
        return made

    newSession.__doc__ = original.__doc__
    return newSession


def _session_of(owner: Any) -> Any:
    """The SparkSession of ``owner``: itself, or a ``DataFrameReader``'s (Spark Connect's keeps it as
    ``_client``)."""
    if type(owner).__name__ != "DataFrameReader":
        return owner
    return getattr(owner, "_spark", None) or owner._client


def table_reader(session: PrivacySession) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Wrap ``SparkSession.table`` and ``DataFrameReader.table`` (``spark.read.table``): a view dropped at
    a revocation is refused with one clear error."""

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def table(owner: Any, *args: Any, **kwargs: Any) -> Any:
            spark = _session_of(owner)
            name = args[0] if args else kwargs.get("tableName")
            refused = _dropped_now(session, spark, name) if isinstance(name, str) else None
            if refused is not None:  # said here: Spark Connect would fail only at the first action
                raise refused
            try:
                return original(owner, *args, **kwargs)
            except Exception as exc:
                refused = refused_view(session, spark, exc)
                if refused is None:
                    raise
                raise refused from None

        table.__name__ = original.__name__
        table.__doc__ = original.__doc__
        return table

    return wrap
