"""Lineage between Spark and pandas in one kernel: ``sdf.toPandas()`` and ``spark.createDataFrame(pdf)``.

A pandas frame made from a governed Spark frame carries its datasets in ``DataFrame.attrs`` (the pandas
lineage, :mod:`.lineage`), so its ``to_csv``/``to_parquet``, pickles and model fits are logged; a Spark
frame made from a governed pandas frame (or from such a ``toPandas()`` result) is marked with its
datasets (:mod:`.spark_marks`). A frame rebuilt from plain rows, NumPy arrays or an RDD carries no
dataset; one made from data holding raw values of this kernel's grants carries those grants' marks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from .session import ATTRS_KEY, datasets_of
from .spark_marks import mark, mark_grant

if TYPE_CHECKING:
    from .lineage import Lineage


def to_pandas(lineage: Lineage) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Wrap ``DataFrame.toPandas``: the pandas frame names the governed datasets of the Spark frame."""
    from .spark_lineage import frame_datasets

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def method(sdf: Any, *args: Any, **kwargs: Any) -> Any:
            result = original(sdf, *args, **kwargs)
            ids = frame_datasets(lineage.session, sdf)
            if ids and isinstance(result, pd.DataFrame):
                result.attrs[ATTRS_KEY] = {"datasets": ids}
            return result

        method.__name__ = original.__name__
        method.__doc__ = original.__doc__
        return method

    return wrap


def create_data_frame(lineage: Lineage) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Wrap ``SparkSession.createDataFrame``: a frame made from a governed pandas frame is marked with
    its datasets, and one made from data holding raw values of this kernel's grants (a ``toPandas()``
    of an unmasked frame, its collected rows or its RDD) with those grants, for all its columns."""

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def method(spark: Any, *args: Any, **kwargs: Any) -> Any:
            result = original(spark, *args, **kwargs)
            data = args[0] if args else kwargs.get("data")
            ids = datasets_of(data) if isinstance(data, pd.DataFrame) else []
            result = mark(result, ids) if ids else result
            grants = lineage.raw_grants_in(data) if lineage.raw_grants_in is not None else set()
            for grant_id in sorted(grants):
                result = mark_grant(result, grant_id, whole=True)
            return result

        method.__name__ = original.__name__
        method.__doc__ = original.__doc__
        return method

    return wrap
