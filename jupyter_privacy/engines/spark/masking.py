"""Masking a Spark DataFrame: the findings planned into column expressions that Spark executes.

A pseudonymised string column is masked inside Spark's JVM by the package's own function
(:mod:`.jvm`: HMAC-SHA256 per value, no Python worker). Every other flagged column (other types,
generalisation, redaction, free text), or every column when the package's jar is missing, becomes an
Arrow UDF (Arrow arrays in and out, one batch at a time, each distinct value of a batch hashed once):
the physical plan holds no row-at-a-time ``BatchEvalPython``. Either way the key travels to the
executors inside the function's serialised object, never as a SQL literal, so it appears in no query
plan, Spark UI page or event log. Columns the policy keeps, and columns with no personal data, never
leave the JVM.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa

from ...detect.findings import ColumnFinding, ScanResult
from ...mask.frame import ColumnMasking, MaskedFrame, mask_frame
from .batch import mask_batch, pseudonymise_batch
from .quiet import py4j_quiet

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from ...mask.keys import MaskingKey
    from ...policy import Policy

UDF_PREFIX = "jp_mask"


@dataclass
class ColumnPlan:
    """How one column is masked: what the log says, and the Arrow type of the masked values."""

    position: int
    finding: ColumnFinding
    masking: ColumnMasking
    arrow_type: pa.DataType


def plan_masking(
    sample: pd.DataFrame, scan: ScanResult, policy: Policy, key: MaskingKey
) -> tuple[list[ColumnPlan], MaskedFrame]:
    """Mask the sample with the pandas path (which decides every strategy) and read off the plan.

    The masked sample's dtypes give the Spark types of the masked columns (a year is a number,
    a pseudonym a string), so the plan and the pandas path cannot disagree.
    """
    masked = mask_frame(sample.copy(deep=False), scan, policy, key)
    flagged = [i for i, f in enumerate(scan.columns) if f.flagged]
    plans = []
    for position, masking in zip(flagged, masked.columns, strict=True):
        if masking.strategy == "keep":
            continue
        arrow_type = _arrow_type(masked.frame.iloc[:, position].dtype)
        plans.append(ColumnPlan(position, scan.columns[position], masking, arrow_type))
    return plans, masked


def _arrow_type(dtype: Any) -> pa.DataType:
    if pd.api.types.is_integer_dtype(dtype):
        return pa.int64()
    if pd.api.types.is_float_dtype(dtype):
        return pa.float64()
    return pa.string()


def apply_masking(
    sdf: DataFrame, plans: list[ColumnPlan], policy: Policy, key: MaskingKey, tag: str
) -> DataFrame:
    """``sdf`` with every planned column replaced by its masked version (lazy: Spark runs it later).

    ``tag`` (the dataset id) names the UDFs, so a derived DataFrame's plan says which governed
    datasets it reads.
    """
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_type

    arrow_udf: Any = F.arrow_udf  # its overloads cannot type a closure built at run time

    if not plans:
        return sdf
    by_position = {p.position: p for p in plans}
    columns = []
    with py4j_quiet():  # the key (or a closure holding it) crosses Py4J here
        for position, name in enumerate(sdf.columns):
            plan = by_position.get(position)
            if plan is None:
                columns.append(F.col(_quoted(name)))
                continue
            jvm_masked = _jvm_tokens(sdf, plan, position, key, tag)
            if jvm_masked is not None:
                columns.append(jvm_masked.alias(name))
                continue
            udf = arrow_udf(_masker(plan, policy, key, tag), from_arrow_type(plan.arrow_type))
            columns.append(udf(F.col(_quoted(name))).alias(name))
        return sdf.select(*columns)


def _jvm_tokens(sdf: DataFrame, plan: ColumnPlan, position: int, key: MaskingKey, tag: str) -> Any:
    """The column's pseudonyms computed in Spark's JVM (:mod:`.jvm`), when it is a pseudonymised string
    column and the package's jar is at hand; None otherwise (an Arrow UDF masks it)."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType

    from .jvm import token_column

    field = sdf.schema.fields[position]
    if plan.masking.strategy != "pseudonymise" or plan.finding.free_text:
        return None
    if not isinstance(field.dataType, StringType) or not pa.types.is_string(plan.arrow_type):
        return None
    name = f"{UDF_PREFIX}_{tag}"
    return token_column(
        sdf.sparkSession, F.col(_quoted(field.name)), key=key, entity=_entity(plan), name=name
    )


def _entity(plan: ColumnPlan) -> str:
    return plan.finding.entities[0] if plan.finding.entities else plan.finding.category.upper()


def _masker(plan: ColumnPlan, policy: Policy, key: MaskingKey, tag: str) -> Any:
    """The function Spark ships to the executors (key and policy in its closure, not in the plan)."""
    if plan.masking.strategy == "pseudonymise" and not plan.finding.free_text:
        fn = partial(pseudonymise_batch, entity=_entity(plan), key=key, arrow_type=plan.arrow_type)
    else:
        fn = partial(mask_batch, finding=plan.finding, policy=policy, key=key, arrow_type=plan.arrow_type)

    def mask(values: pa.Array) -> pa.Array:
        return fn(values)

    mask.__name__ = mask.__qualname__ = f"{UDF_PREFIX}_{tag}"
    return mask


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"
