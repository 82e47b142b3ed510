"""Spark engine: governed Spark DataFrames (detection on a bounded sample, masking run by Spark).

Needs ``pyspark`` (the ``spark`` extra); nothing here is imported unless a Spark load is asked for.
"""

from __future__ import annotations

MIN_PYSPARK = (4, 1)  # arrow_udf: Arrow arrays in and out, no pandas conversion on the executors


def require_pyspark() -> None:
    """Fail with what to install when PySpark is missing or too old for Arrow UDFs."""
    try:
        import pyspark
    except ImportError:
        raise ImportError(
            "the Spark engine needs PySpark: pip install 'jupyter_privacy[spark]' (in a checkout's "
            "environment: .venv/bin/python -m pip install -e '.[spark]'), and Java 17+"
        ) from None
    version = tuple(int(p) for p in pyspark.__version__.split(".")[:2] if p.isdigit())
    if version < MIN_PYSPARK:
        raise ImportError(
            f"the Spark engine needs PySpark >= {'.'.join(map(str, MIN_PYSPARK))} (Arrow UDFs); "
            f"found {pyspark.__version__}: pip install -U 'jupyter_privacy[spark]'"
        )
