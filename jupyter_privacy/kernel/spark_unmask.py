"""Unmasking governed Spark DataFrames: the same purpose gate and log records as for pandas.

A masked Spark DataFrame is a projection over its source: every flagged column goes through its
masking UDF. Unmasking builds the same projection over a fresh read of the source (after checking
the source's content hash is unchanged) without the masking of the granted columns. Only the frame
returned by the load can be unmasked -- a derived frame (filtered, joined) is refused with a hint,
as its rows cannot be matched to the source.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from ..engines.spark.quiet import pandas_warning_quiet
from ..io import DataReadError
from .errors import LoadError, UnmaskDenied
from .session import Grant, PrivacySession
from .spark_load import ENGINE, LOADED_ATTR, SparkLoad
from .spark_marks import mark, mark_grant, spark_datasets_of
from .spark_views import watch_views

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from ..mask.raw_index import RawValueIndex


@pandas_warning_quiet()
def unmask_spark(session: PrivacySession, sdf: DataFrame, columns: list[str]) -> DataFrame:
    """``sdf`` with raw values in ``columns``, if the declared purpose allows them (logged either way)."""
    from ..engines.spark.masking import apply_masking

    load = _governed_load(session, sdf)
    dataset = load.dataset  # this load's findings, whatever was loaded since under the same id
    _check_named(session, columns)
    missing = [c for c in columns if c not in sdf.columns]
    if missing:
        message = f"no column(s) {', '.join(map(repr, missing))} in this Spark DataFrame"
        raise UnmaskDenied(session.labels.message(message, missing))  # a name typed may be a value
    reason = session._refusal(dataset, columns)
    if reason is not None:
        session.log("unmask_denied", {**session._grant_payload(dataset, columns, reason), "engine": ENGINE})
        if session.policy.enforcement == "enforce" or session.declaration is None:
            raise UnmaskDenied(reason)
        warnings.warn(f"policy violation recorded (enforcement: warn): {reason}", stacklevel=3)
    _check_unchanged(session, load, dataset)
    assert session.declaration is not None
    grant = Grant(dataset.id, list(columns), session.declaration.purpose.id)
    keep = [p for p in load.plans if p.finding.name not in columns]
    raw = mark(apply_masking(load.reread(), keep, session.policy, session.key, dataset.id), [dataset.id])
    raw = mark_grant(raw, grant.id)  # its displays, whatever their form, are left out of saved notebooks
    setattr(raw, LOADED_ATTR, load)
    source = session.labels.path(dataset.source)  # a file named after a person, as the log names it
    index = _raw_index(session, raw, columns, source) if session.grant_listeners else None
    with session._lock:
        if index is not None:  # the kernel's raw-output marking, before the log (see GrantListener)
            for listener in session.grant_listeners:
                listener(grant, index)
        payload = {"grant": grant.id, **session._grant_payload(dataset, columns, reason), "engine": ENGINE}
        session.log("unmask_granted", payload)
        session.grants.append(grant)
        watch_views(session, grant, raw.sparkSession)
    return raw


def _check_named(session: PrivacySession, columns: list[str]) -> None:
    """Refuse (nothing logged) a request that names no column, or a column twice (as the pandas path)."""
    if not columns:
        raise UnmaskDenied("the unmask names no column; name the columns to unmask (--columns email,phone)")
    twice = sorted({c for c in columns if columns.count(c) > 1})
    if twice:
        message = f"column(s) {', '.join(map(repr, twice))} named more than once; name each column once"
        raise UnmaskDenied(session.labels.message(message, twice))


def _raw_index(session: PrivacySession, raw: DataFrame, columns: list[str], source: str) -> RawValueIndex:
    """The index of the values handed out, built by Spark before anything is logged: a failure refuses
    the unmask with one clear error (the Spark message might quote a value: only its type is kept)."""
    from ..engines.spark.quiet import py4j_quiet
    from ..engines.spark.raw_index import spark_raw_index

    try:
        with py4j_quiet():  # the fingerprint function's closure holds the key
            return spark_raw_index(raw, columns, session.key)
    except Exception as exc:
        raise UnmaskDenied(
            f"{source}: the unmasked values could not be indexed for leaving them out of saved notebooks "
            f"({type(exc).__name__}); nothing was unmasked"
        ) from None


def _check_unchanged(session: PrivacySession, load: SparkLoad, dataset: Any) -> None:
    """Refuse (nothing logged) when the source's content is not what was loaded, or cannot be read now.
    The source is named as the log names it (a file named after a person by its token)."""
    source = session.labels.path(dataset.source)
    try:
        now = load.content_sha256()
    except (DataReadError, OSError) as exc:
        reason = session.labels.message(str(exc), paths=[dataset.source])
        raise LoadError(
            f"the source {source} cannot be checked against what was loaded ({reason}); "
            "load it again before unmasking"
        ) from None
    if now != dataset.content_sha256:
        raise LoadError(
            f"the source {source} changed since it was loaded (content hash differs); "
            "load it again before unmasking"
        )


def _governed_load(session: PrivacySession, sdf: Any) -> SparkLoad:
    ids = spark_datasets_of(sdf)
    load: SparkLoad | None = getattr(sdf, LOADED_ATTR, None)
    if load is None:
        if not ids:
            raise UnmaskDenied(
                "this Spark DataFrame was not loaded through jupyter-privacy; it holds no masked columns"
            )
        if len(ids) > 1:
            raise UnmaskDenied(
                f"this Spark DataFrame combines several datasets ({', '.join(ids)}); unmask the loaded frames "
                "before joining them"
            )
        raise UnmaskDenied(
            "this Spark DataFrame was derived from a governed load (filtered, selected or joined), so its rows "
            "cannot be matched to the source; unmask the DataFrame returned by the load, then derive from it"
        )
    if load.dataset_id not in session.datasets:
        raise UnmaskDenied(
            f"dataset {load.dataset_id} was loaded in another kernel session; load it again here"
        )
    return load
