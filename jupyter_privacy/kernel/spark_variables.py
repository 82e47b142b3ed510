"""Spark session variables set from an unmask's frames are dropped when its grant is revoked.

``SET VAR who = (SELECT max(email) FROM raw_view)`` (or ``EXECUTE IMMEDIATE '...' INTO who``) keeps a raw
value in the SparkSession: after the purpose ended, ``SELECT who`` showed it and a SQL write put it on
disk. A variable set by a ``spark.sql`` statement whose plan carries a grant's mark (:mod:`.spark_marks`)
or a SQL script is remembered (:func:`remember_variables`, :func:`remember_plan`), one set again from
other data is forgotten, and those of a revoked grant are dropped with its views (:mod:`.spark_views`).
"""

from __future__ import annotations

from typing import Any

from .spark_marks import java_items, plan_grants_of, spark_grants_of

_HELD = "_jupyter_privacy_raw_variables"  # on a SparkSession: {lower-case variable name: grant ids}


def remember_variables(spark: Any, result: Any) -> None:
    """After ``spark.sql`` returned ``result``: the variables it set, with the grants their values show."""
    try:
        plan = result._jdf.queryExecution().analyzed()
    except Exception:  # Spark Connect, or not a frame: nothing to remember
        return
    names = _set(plan)
    if names:
        _remember(spark, names, set(spark_grants_of(result)))


def remember_plan(spark: Any, plan: Any) -> None:
    """The variables a command of a SQL script set (its analysed ``plan``), with their grants."""
    names = _set(plan)
    if names:
        _remember(spark, names, set(plan_grants_of(plan, spark)))


def _set(plan: Any) -> list[str]:
    """The names of the session variables ``plan`` sets (none unless it is a ``SET VAR``; a SQL script's
    own variables, gone with it, are not among them)."""
    try:
        if str(plan.nodeName()) != "SetVariable":
            return []
        ids = [v.identifier() for v in java_items(plan.targetVariables())]
        return [str(i.name()).lower() for i in ids if [str(n) for n in i.namespace()] == ["session"]]
    except Exception:  # a plan of another shape
        return []


def _remember(spark: Any, names: list[str], grants: set[str]) -> None:
    held: dict[str, set[str]] = getattr(spark, _HELD, {})
    for name in names:
        if grants:
            held[name] = grants
        else:
            held.pop(name, None)
    setattr(spark, _HELD, held)


def drop_variables(spark: Any, ids: set[str]) -> list[tuple[str, str]]:
    """(name, grant id) of each variable of ``spark`` dropped for holding a value of grants ``ids``."""
    held: dict[str, set[str]] = getattr(spark, _HELD, {})
    dropped = []
    for name, grants in list(held.items()):
        revoked = sorted(ids & grants)
        if revoked:
            quoted = "`" + name.replace("`", "``") + "`"
            spark._jsparkSession.sql(f"DROP TEMPORARY VARIABLE IF EXISTS {quoted}")
            del held[name]
            dropped.append((name, revoked[0]))
    return dropped
