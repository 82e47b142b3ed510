"""Where a governed Spark write's time goes: the same Parquet copy with its 5 personal-data columns
written as they are, through an identity Arrow UDF, through the masking Arrow UDF (the path without the
package's jar) and through the package's JVM token function (the path with it; its tokens equal the pandas
path's, which tests/engines/test_spark_tokens.py checks). Write only: no sample, scan or fingerprints.
Same run, alternating, medians.

    python benchmarks/spark_write_paths.py [--rows 2000000] [--repeat 3] [--kinds jvm_udf_mask,...]

Reads the input ``spark_10m.py`` generates (run that first with the same --rows).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa
from _scratch import scratch_dir

HERE = Path(__file__).resolve().parent
COLUMNS = {
    "name": "PERSON",
    "email": "EMAIL_ADDRESS",
    "phone": "PHONE_NUMBER",
    "ssn": "US_SSN",
    "street": "STREET_ADDRESS",
}
KINDS = ("plain", "identity_udf", "arrow_udf_mask", "jvm_udf_mask")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated; plain is always run")
    args = parser.parse_args()
    kinds = ["plain", *[k for k in args.kinds.split(",") if k in KINDS and k != "plain"]]
    data = str(HERE / "out" / f"spark_{args.rows}_{args.people}")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    from jupyter_privacy.engines.spark.batch import pseudonymise_batch
    from jupyter_privacy.engines.spark.jvm import token_column
    from jupyter_privacy.mask.keys import MaskingKey

    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "4g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    work = scratch_dir("jp-spark-paths-")
    key = MaskingKey("b" * 64)
    arrow_udf: Any = F.arrow_udf

    def identity(values: pa.Array) -> pa.Array:
        return values

    def masker(entity: str) -> Any:
        fn = partial(pseudonymise_batch, entity=entity, key=key, arrow_type=pa.string())

        def mask(values: pa.Array) -> pa.Array:
            return fn(values)

        return arrow_udf(mask, "string")

    def jvm_mask(column: str) -> Any:
        masked = token_column(spark, F.col(column), key=key, entity=COLUMNS[column], name="jp_mask_bench")
        if masked is None:
            raise SystemExit("the package's Spark jar is missing: reinstall with a JDK 17+ on PATH")
        return masked.alias(column)

    names = spark.read.parquet(data).columns
    ident = arrow_udf(identity, "string")

    def run(kind: str) -> float:
        t = time.perf_counter()
        df = spark.read.parquet(data)
        if kind == "identity_udf":
            df = df.select(*[ident(F.col(c)).alias(c) if c in COLUMNS else F.col(c) for c in names])
        elif kind == "arrow_udf_mask":
            df = df.select(
                *[masker(COLUMNS[c])(F.col(c)).alias(c) if c in COLUMNS else F.col(c) for c in names]
            )
        elif kind == "jvm_udf_mask":
            df = df.select(*[jvm_mask(c) if c in COLUMNS else F.col(c) for c in names])
        df.write.mode("overwrite").parquet(f"{work}/{kind}")
        return time.perf_counter() - t

    results: dict[str, list[float]] = {k: [] for k in kinds}
    for i in range(args.repeat + 1):
        for kind in kinds:
            seconds = run(kind)
            print(f"{'warm-up ' if i == 0 else ''}{kind}: {seconds:.2f} s", flush=True)
            if i:
                results[kind].append(seconds)
    medians = {k: statistics.median(v) for k, v in results.items()}
    ratios = {k: round(v / medians["plain"], 2) for k, v in medians.items()}
    print(json.dumps({"rows": args.rows, "medians_s": medians, "ratios": ratios}))
    spark.stop()


if __name__ == "__main__":
    main()
