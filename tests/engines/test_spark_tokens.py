"""Spark's pseudonyms, column type by column type, equal the pandas path's (real ``local[2]`` session)."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jupyter_privacy.detect.findings import ColumnFinding, ScanResult
from jupyter_privacy.engines.spark import jvm
from jupyter_privacy.engines.spark.jvm import JAR, text_tables
from jupyter_privacy.engines.spark.masking import apply_masking, plan_masking
from jupyter_privacy.engines.spark.quiet import PY4J_LOGGERS
from jupyter_privacy.kernel.session import PrivacySession
from jupyter_privacy.mask.tokens import pseudonymise, token_for


@pytest.fixture
def small_batches(spark: Any) -> Iterator[None]:
    """Arrow batches of 1,000 rows, so one partition is masked in several batches."""
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "1000")
    yield
    spark.conf.unset("spark.sql.execution.arrow.maxRecordsPerBatch")


def _masked_by_spark(
    spark: Any, privacy: PrivacySession, frame: pd.DataFrame, path: Path, entities: dict[str, str]
) -> pd.DataFrame:
    masked = _masked_frame(spark, privacy, frame, path, entities)
    return masked.toPandas().sort_values("row").reset_index(drop=True)


def _masked_frame(
    spark: Any, privacy: PrivacySession, frame: pd.DataFrame, path: Path, entities: dict[str, str]
) -> Any:
    """``frame`` written to Parquet, read by Spark and masked with the columns in ``entities`` flagged."""
    frame.to_parquet(path, index=False)
    plans, _ = plan_masking(frame, _scan(frame, entities), privacy.policy, privacy.key)
    return apply_masking(spark.read.parquet(str(path)), plans, privacy.policy, privacy.key, "ds-000000000000")


def _scan(frame: pd.DataFrame, entities: dict[str, str]) -> ScanResult:
    """A scan of ``frame`` with the columns in ``entities`` flagged as direct identifiers."""
    findings = [
        ColumnFinding(str(c), str(frame[c].dtype), *(("direct", [entities[c]]) if c in entities else ()))
        for c in frame.columns
    ]
    return ScanResult("sample", len(frame), len(frame), findings)


def _listed(series: pd.Series) -> list[Any]:
    return [None if pd.isna(v) else v for v in series]


def test_whole_numbers_of_a_float_column_get_one_token_in_every_batch(
    spark: Any, privacy: PrivacySession, tmp_path: Path, small_batches: None
) -> None:
    """A float column whose first batches hold whole numbers only and whose last batch holds a fraction:
    every batch writes 4111111111111111.0 as ``4111111111111111``, as the pandas path does."""
    cards = [4111111111111111.0, 5500000000000004.0, 4012888888881881.0]
    values: list[float | None] = [cards[i % 3] for i in range(4000)]
    values[3990:] = [1234.5] * 10
    values[5] = None
    frame = pd.DataFrame({"row": np.arange(4000), "card": values})
    got = _masked_by_spark(spark, privacy, frame, tmp_path / "cards.parquet", {"card": "CREDIT_CARD"})
    expected = pseudonymise(frame["card"], "CREDIT_CARD", privacy.key)
    assert _listed(got["card"]) == _listed(expected)
    assert got["card"][0] == token_for("4111111111111111", privacy.key, "CREDIT_CARD")
    assert got["card"][3999] == token_for("1234.5", privacy.key, "CREDIT_CARD")
    assert pd.isna(got["card"][5])


WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
"""Every character Arrow's ``utf8_trim_whitespace`` removes (read off Arrow 26, code point by code point)."""


def _tricky_strings() -> list[str | None]:
    """Values a batch-wise masking could get wrong: every character Arrow trims, at either end and
    inside; capitals outside ASCII (dotted capital I, final sigma, Deseret); characters outside the BMP;
    empty and blank text; digits; nulls."""
    out: list[str | None] = []
    for ws in WHITESPACE:
        out += [f"{ws}Alice@Example.org", f"Bob Smith{ws}", f"{ws}{ws}", f"in{ws}side"]
    out += ["İSTANBUL@ÖRNEK.COM.TR", "ΟΔΥΣΣΕΥΣ@ΠΑΡΑΔΕΙΓΜΑ.GR", "𐐀𐐁@DESERET.ORG", "😀 emoji@x.org "]
    out += ["", " ", "0042", "123-45-6789", "+31 (0)6 1234 5678", "Zoë Ünïcode", None, None]
    return out


@pytest.mark.parametrize(
    "entity", ["EMAIL_ADDRESS", "PERSON", "PHONE_NUMBER", "US_SSN", "STREET_ADDRESS", "IBAN_CODE"]
)
def test_string_tokens_equal_the_pandas_tokens(
    spark: Any, privacy: PrivacySession, tmp_path: Path, entity: str
) -> None:
    values = _tricky_strings()
    frame = pd.DataFrame({"row": np.arange(len(values)), "value": pd.array(values, dtype="str")})
    masked = _masked_frame(spark, privacy, frame, tmp_path / "values.parquet", {"value": entity})
    plan = masked._jdf.queryExecution().toString()
    assert "BatchEvalPython" not in plan  # vectorised: never a row-at-a-time Python UDF
    got = masked.toPandas().sort_values("row")["value"]
    assert _listed(got) == _listed(pseudonymise(frame["value"], entity, privacy.key))


def test_string_columns_are_masked_in_the_jvm(spark: Any, privacy: PrivacySession, tmp_path: Path) -> None:
    """The package's jar is built by the install (a JDK is on this machine): a pseudonymised string column
    is masked by the JVM function, with no Python worker in the plan."""
    assert JAR.is_file(), "the install did not build the Spark jar (is javac on PATH?)"
    frame = pd.DataFrame({"row": np.arange(3), "email": pd.array(["a@x.org", "b@x.org", None], dtype="str")})
    masked = _masked_frame(spark, privacy, frame, tmp_path / "e.parquet", {"email": "EMAIL_ADDRESS"})
    plan = masked._jdf.queryExecution().executedPlan().toString()
    assert "jp_mask_ds-000000000000(cast(email" in plan
    assert "EvalPython" not in plan  # neither Arrow nor row-at-a-time Python


def test_jvm_tokens_follow_arrows_tables_not_the_jvms(
    spark: Any, privacy: PrivacySession, tmp_path: Path
) -> None:
    """Every character Arrow trims or lower-cases, at either end and inside an e-mail address, plus
    capitals newer than Java 17's Unicode tables (Arrow lower-cases them; Java 17 does not know them)."""
    spaces, mapping = text_tables()
    points = set(np.frombuffer(spaces, ">i4").tolist()) | set(np.frombuffer(mapping, ">i4").tolist())
    points |= {0x1C89, 0x2C2F, 0xA7C0, 0xA7CB, 0x10570, 0x1E900, 0x130, 0x3A3, 0x1E9E, 0x1C4, 0x212A}
    values = [f"{chr(c)}x{chr(c)}@Ex{chr(c)}.org{chr(c)}" for c in sorted(points)] + [None, "", " "]
    frame = pd.DataFrame({"row": np.arange(len(values)), "email": pd.array(values, dtype="str")})
    got = _masked_by_spark(spark, privacy, frame, tmp_path / "u.parquet", {"email": "EMAIL_ADDRESS"})
    assert _listed(got["email"]) == _listed(pseudonymise(frame["email"], "EMAIL_ADDRESS", privacy.key))


@pytest.mark.parametrize(
    ("setting", "why"),
    [("JAR", "it was not built at install"), ("JAR_VERSION", "built from other sources")],
)
def test_without_a_usable_jar_arrow_udfs_give_the_same_tokens(
    spark: Any,
    privacy: PrivacySession,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    setting: str,
    why: str,
) -> None:
    """An install without a JDK has no jar; a jar left by an older install was built from other sources
    (its class states another version, and would fail inside Spark's tasks). Either way the Arrow UDF
    masks instead, with the same tokens, and a warning says why, once per session."""
    values = _tricky_strings()
    frame = pd.DataFrame({"row": np.arange(len(values)), "name": pd.array(values, dtype="str")})
    in_jvm = _masked_by_spark(spark, privacy, frame, tmp_path / "a.parquet", {"name": "PERSON"})
    broken = tmp_path / "missing.jar" if setting == "JAR" else jvm.JAR_VERSION + 1
    monkeypatch.setattr(jvm, setting, broken)
    monkeypatch.delattr(spark, jvm._ATTR)  # the session forgets the class it loaded (restored after)
    masked = _masked_frame(spark, privacy, frame, tmp_path / "b.parquet", {"name": "PERSON"})
    assert "ArrowEvalPython" in masked._jdf.queryExecution().executedPlan().toString()
    assert why in caplog.text and "JDK 17+" in caplog.text
    _masked_frame(spark, privacy, frame, tmp_path / "c.parquet", {"name": "PERSON"})
    assert caplog.text.count("Spark jar is not used") == 1
    in_python = masked.toPandas().sort_values("row").reset_index(drop=True)
    assert _listed(in_python["name"]) == _listed(in_jvm["name"])
    assert _listed(in_jvm["name"]) == _listed(pseudonymise(frame["name"], "PERSON", privacy.key))


def test_text_that_is_not_utf8_is_refused_never_given_a_shared_token(
    spark: Any, privacy: PrivacySession, tmp_path: Path
) -> None:
    """A Parquet file can hold bytes that are not UTF-8 in a string column. Java reads each bad byte as
    U+FFFD, so ``Annabel\\xff`` and ``Annabel\\xfe`` would get one token (a join merging two people):
    refused, as the Arrow path refuses them, with an error that quotes no value. A real U+FFFD is text."""
    sample = pd.DataFrame({"row": [0, 1], "name": pd.array(["Annabel", "Bob"], dtype="str")})
    plans, _ = plan_masking(sample, _scan(sample, {"name": "PERSON"}), privacy.policy, privacy.key)
    raw = [b"Annabel", "Ann\ufffdbel".encode(), b"Annabel\xff", b"Annabel\xfe"]
    offsets = np.cumsum([0] + [len(v) for v in raw]).astype(np.int32)
    names = pa.StringArray.from_buffers(len(raw), pa.py_buffer(offsets), pa.py_buffer(b"".join(raw)))
    rows = pa.array(range(len(raw)), pa.int64())
    pq.write_table(pa.table({"row": rows, "name": names}), tmp_path / "bad.parquet")
    masked = apply_masking(
        spark.read.parquet(str(tmp_path / "bad.parquet")),
        plans,
        privacy.policy,
        privacy.key,
        "ds-000000000000",
    )
    with pytest.raises(Exception, match="not valid UTF-8") as caught:
        masked.collect()
    assert "Annabel" not in str(caught.value)
    ok = masked.filter("row < 2").orderBy("row").collect()
    assert [r["name"] for r in ok] == [
        token_for(v, privacy.key, "PERSON") for v in ["Annabel", "Ann\ufffdbel"]
    ]


def test_py4js_debug_log_never_holds_the_key(spark: Any, privacy: PrivacySession, tmp_path: Path) -> None:
    """A notebook's ``logging.basicConfig(level=logging.DEBUG)`` makes Py4J log every command it sends,
    byte arrays in base64: the key handed to the JVM function (a string column) and the pickled Arrow
    UDF holding it (a number column) must not be among them."""
    sent: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            sent.append(record.getMessage())

    handler, loggers = Keep(), [logging.getLogger(name) for name in PY4J_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
    try:
        cards = pd.array([4111111111111111, 5500000000000004], dtype="int64")
        frame = pd.DataFrame(
            {"row": [0, 1], "email": pd.array(["a@x.org", None], dtype="str"), "card": cards}
        )
        entities = {"email": "EMAIL_ADDRESS", "card": "CREDIT_CARD"}
        _masked_frame(spark, privacy, frame, tmp_path / "k.parquet", entities).collect()
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
    log = "\n".join(sent)
    assert "Command to send" in log  # the debug log was on
    key = privacy.key.secret.encode()
    payloads = [_bytes_arg(line) for line in log.splitlines() if line.startswith("j")]  # Py4J's bytes
    assert not [p for p in payloads if key in p]
    assert privacy.key.secret not in log and base64.b64encode(key).decode() not in log
    assert not any(logger.disabled for logger in loggers)


def _bytes_arg(line: str) -> bytes:
    try:
        return base64.b64decode(line[1:], validate=True)
    except ValueError:  # another argument that starts with j
        return b""
