"""Where a governed Spark write's time goes: the same Parquet copy with its 5 personal-data columns
written as they are, through an identity Arrow UDF, through the masking Arrow UDF, and through a JVM-only
HMAC (timing only: its tokens are not checked against the pandas path's). Write only: no sample, scan or
fingerprints. Same run, alternating, medians.

    python benchmarks/spark_write_paths.py [--rows 2000000] [--repeat 3]

Reads the input ``spark_10m.py`` generates (run that first with the same --rows).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa

HERE = Path(__file__).resolve().parent
COLUMNS = {
    "name": "PERSON",
    "email": "EMAIL_ADDRESS",
    "phone": "PHONE_NUMBER",
    "ssn": "US_SSN",
    "street": "STREET_ADDRESS",
}
KINDS = ("plain", "identity_udf", "arrow_udf_mask", "jvm_hmac")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = str(HERE / "out" / f"spark_{args.rows}_{args.people}")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    from jupyter_privacy.engines.spark.batch import pseudonymise_batch
    from jupyter_privacy.mask.keys import MaskingKey

    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "4g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    work = tempfile.mkdtemp(prefix="jp-spark-paths-")
    key = MaskingKey("b" * 64)
    arrow_udf: Any = F.arrow_udf

    def identity(values: pa.Array) -> pa.Array:
        return values

    def masker(entity: str) -> Any:
        fn = partial(pseudonymise_batch, entity=entity, key=key, arrow_type=pa.string())

        def mask(values: pa.Array) -> pa.Array:
            return fn(values)

        return arrow_udf(mask, "string")

    block = key.secret.encode().ljust(64, b"\0")
    pads = spark.createDataFrame(
        spark.sparkContext.parallelize(
            [(bytearray(b ^ 0x36 for b in block), bytearray(b ^ 0x5C for b in block))], 1
        ),
        "jp_ipad binary, jp_opad binary",
    )

    def jvm_hmac(column: str) -> Any:
        inner = F.unhex(F.sha2(F.concat(F.col("jp_ipad"), F.col(column).cast("binary")), 256))
        digest = F.substring(F.sha2(F.concat(F.col("jp_opad"), inner), 256), 1, 16)
        return F.concat(F.lit("T_"), digest).alias(column)

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
        elif kind == "jvm_hmac":
            df = df.crossJoin(F.broadcast(pads)).select(
                *[jvm_hmac(c) if c in COLUMNS else F.col(c) for c in names]
            )
        df.write.mode("overwrite").parquet(f"{work}/{kind}")
        return time.perf_counter() - t

    results: dict[str, list[float]] = {k: [] for k in KINDS}
    for i in range(args.repeat + 1):
        for kind in KINDS:
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
