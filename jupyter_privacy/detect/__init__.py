"""Column-level personal-data detection: DataFrame -> findings (category, entities, score, coverage).

A plain library: no IPython, no tornado. See :func:`scan_dataframe`.
"""

from .engine import scan_dataframe
from .findings import CATEGORIES, ColumnFinding, Reidentification, ScanResult

__all__ = ["CATEGORIES", "ColumnFinding", "Reidentification", "ScanResult", "scan_dataframe"]
