"""Spark's Python workers checked once per session: they must import this package and pyarrow.

The masking of non-string columns, the erasure fingerprints and the raw-value index of an unmask run in
Spark's Python workers. A worker that cannot import them fails the masking only when the notebook
first computes the frame, with Spark's traceback, and the fingerprints of the load are missing. So a
tiny job (one row, no data) imports them first and a failure is one clear error before anything is
logged.

In local mode the workers are this machine's processes, and the usual cause is a session created
without ``PYSPARK_PYTHON``: its workers run ``python3`` from PATH, not the kernel's interpreter. Such a
session is pointed at the kernel's interpreter (a warning says so) and checked again.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from ...io import DataReadError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

_CHECKED = "_jupyter_privacy_workers_ok"
"""Attribute of a SparkSession: its workers were checked and import what the masking needs."""
_LOG = logging.getLogger(__name__)
_IMPORT_ERROR = re.compile(r"(ModuleNotFoundError|ImportError): [^\n]{0,200}")


def probe(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` body: import what the executors run (an ImportError fails the task)."""
    from . import batch, digests, raw_index  # noqa: F401

    for _ in batches:
        pass
    yield pa.RecordBatch.from_arrays([pa.array([sys.executable])], ["python"])


def check_workers(spark: SparkSession) -> None:
    """Refuse (DataReadError) a session whose Python workers cannot run the masking; once per session."""
    if getattr(spark, _CHECKED, False):
        return
    failure = _failure(spark)
    if failure is not None and _repairable(spark):
        sc = spark.sparkContext
        _LOG.warning(
            "jupyter-privacy: this local SparkSession's Python workers ran %s, which cannot import what "
            "the masking needs (%s); they now run this kernel's Python, %s. Set PYSPARK_PYTHON before "
            "creating the session to choose another.",
            sc.pythonExec,
            failure,
            sys.executable,
        )
        sc.pythonExec = sys.executable
        failure = _failure(spark)
    if failure is not None:
        raise DataReadError(
            f"Spark's Python workers cannot run the masking ({failure}): install jupyter_privacy[spark] in "
            "the Python the executors run, or set PYSPARK_PYTHON (spark.pyspark.python) to a Python that "
            "has it before the SparkSession is created"
        )
    setattr(spark, _CHECKED, True)


def _failure(spark: SparkSession) -> str | None:
    """None when a worker imports the package, else what failed (an import error's line, or a type)."""
    try:
        spark.range(1).mapInArrow(probe, "python string").collect()
    except Exception as exc:  # no data in this job: Spark's message holds the worker's traceback only
        found = _IMPORT_ERROR.search(str(exc))
        return found.group(0) if found else type(exc).__name__
    return None


def _repairable(spark: SparkSession) -> bool:
    """A classic local session whose workers run another interpreter than this one."""
    sc: Any = getattr(spark, "_sc", None)
    if sc is None:  # Spark Connect: the workers are the server's
        return False
    return str(sc.master).startswith("local") and sc.pythonExec != sys.executable
