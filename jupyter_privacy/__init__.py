"""jupyter-privacy: privacy governance for Jupyter notebooks.

Public Python API (kept importable without JupyterLab running):

- :func:`scan` -- classify the columns of a DataFrame (direct identifiers, special categories,
  quasi-identifiers) without returning any raw value.
- :func:`load_policy` -- load and validate the admin policy from the admin locations.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

try:
    from ._version import __version__
except ImportError:  # running from a source tree that was never built
    __version__ = "0.0.0+unknown"

if TYPE_CHECKING:
    import pandas as pd

    from .detect.findings import ScanResult
    from .policy import LoadedPolicy, Policy

__all__ = ["__version__", "declare_purpose", "govern", "load", "load_policy", "scan", "status", "unmask"]


def scan(
    df: pd.DataFrame, policy: Policy | LoadedPolicy | None = None, *, source: str | None = None
) -> ScanResult:
    """Classify every column of ``df``; see :func:`jupyter_privacy.detect.scan_dataframe`."""
    from .detect import scan_dataframe

    return scan_dataframe(df, policy=policy, source=source)


def load_policy(path: str | None = None) -> LoadedPolicy:
    """Load the admin policy (or the built-in default); see :func:`jupyter_privacy.policy.load_policy`."""
    from .policy import load_policy as _load

    return _load(path)


def load(
    source: str | None = None,
    *,
    sheet: str | int | None = None,
    sql: str | None = None,
    con: Any = None,
    engine: str = "pandas",
    columns: list[str] | None = None,
    **spark_options: Any,
) -> Any:
    """Load a file (or run ``sql`` on ``con``) masked and logged, like ``%privacy_load``; ``columns``
    reads only those columns (the others never reach the kernel).

    ``engine="spark"`` reads ``source`` (Parquet, CSV, JSON; or ``table=NAME``) with Spark and returns
    a masked Spark DataFrame; ``spark=`` picks the SparkSession, ``format=`` the format.
    """
    from .kernel.errors import LoadError
    from .kernel.session import current_session

    session = current_session()
    try:
        return _load(session, source, sheet, sql, con, engine, columns, spark_options)
    except LoadError as exc:  # a file named by a person is shown by its token, as it is logged
        named = [str(source), str(Path(source).expanduser().resolve())] if source else []
        raise LoadError(session.labels.message(str(exc), paths=named)) from None


def _load(
    session: Any,
    source: str | None,
    sheet: str | int | None,
    sql: str | None,
    con: Any,
    engine: str,
    columns: list[str] | None,
    spark_options: dict[str, Any],
) -> Any:
    if engine == "spark":
        from .kernel.spark_load import load_spark

        if sheet is not None or sql is not None or con is not None:
            raise ValueError("sheet=, sql= and con= are not used with engine='spark'")
        fmt = spark_options.pop("format", None)
        return load_spark(session, source, fmt=fmt, columns=columns, **spark_options)
    if engine != "pandas":
        raise ValueError(f"unknown engine {engine!r}: use 'pandas' or 'spark'")
    if spark_options:
        raise ValueError(f"{', '.join(sorted(spark_options))}: only used with engine='spark'")
    if source is None and sql is None:
        raise ValueError("give a file path, or sql= and con=")
    if sql is not None:
        if columns is not None:
            raise ValueError("columns= reads columns of a file; with sql=, name the columns in the query")
        return session.load_sql(sql, con)
    return session.load(source or "", sheet=sheet, columns=columns)


def govern(df: Any, *, source: str = "dataframe", **options: Any) -> Any:
    """Govern a DataFrame read without jupyter-privacy (e.g. ``spark.table(...)``): scanned, masked,
    logged; a Spark DataFrame stays a (masked) Spark DataFrame."""
    from .kernel.session import current_session
    from .kernel.spark_load import govern_spark_frame, is_spark_frame

    if not is_spark_frame(df):
        raise TypeError(f"govern() takes a Spark DataFrame, got {type(df).__name__}; use load() for files")
    return govern_spark_frame(current_session(), df, source=source, **options)


def declare_purpose(purpose: str, basis: str, reference: str | None = None, art9: str | None = None) -> Any:
    """Declare the purpose of processing, like ``%privacy_purpose``."""
    from .kernel.session import current_session

    return current_session().declare_purpose(purpose, basis, reference, art9)


def unmask(df: pd.DataFrame, columns: list[str] | str) -> pd.DataFrame:
    """Raw values of ``columns`` of a governed frame, if the declared purpose allows them."""
    from .kernel.session import current_session
    from .kernel.spark_load import is_spark_frame

    wanted = [columns] if isinstance(columns, str) else list(columns)
    if is_spark_frame(df):
        from .kernel.spark_unmask import unmask_spark

        return unmask_spark(current_session(), df, wanted)
    return current_session().unmask(df, wanted)


def status() -> dict[str, Any]:
    """This session's purpose, datasets, grants and log head, like ``%privacy_status``."""
    from .kernel.session import current_session

    return current_session().status()


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "jupyter-privacy"}]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .server import _load_jupyter_server_extension  # noqa: F401  (import check only)

    return [{"module": "jupyter_privacy.server"}]


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext jupyter_privacy``: register the privacy magics in this kernel."""
    from .kernel import load_ipython_extension as _load

    _load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    from .kernel import unload_ipython_extension as _unload

    _unload(ipython)
