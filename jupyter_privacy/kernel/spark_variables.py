"""Spark session variables set from an unmask's frames are dropped when its grant is revoked.

``SET VAR who = (SELECT max(email) FROM raw_view)`` (or ``EXECUTE IMMEDIATE '...' INTO who``) keeps a raw
value in the SparkSession: after the purpose ended, ``SELECT who`` showed it and a SQL write put it on
disk. A variable set by a ``spark.sql`` statement whose plan carries a grant's mark (:mod:`.spark_marks`)
is remembered (:func:`remember_variables`), one set again from other data is forgotten, and those of a
revoked grant are dropped with its views (:mod:`.spark_views`).
"""

from __future__ import annotations

from typing import Any

from .spark_marks import java_items, spark_grants_of

_HELD = "_jupyter_privacy_raw_variables"  # on a SparkSession: {lower-case variable name: grant ids}


def remember_variables(spark: Any, result: Any) -> None:
    """After ``spark.sql`` returned ``result``: the variables it set, with the grants their values show."""
    try:
        plan = result._jdf.queryExecution().analyzed()
        if str(plan.nodeName()) != "SetVariable":
            return
        names = [str(v.identifier().name()).lower() for v in java_items(plan.targetVariables())]
    except Exception:  # Spark Connect, or not a frame: nothing to remember
        return
    grants = set(spark_grants_of(result))
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
