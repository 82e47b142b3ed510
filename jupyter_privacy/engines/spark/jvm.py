"""The package's JVM functions (``java/``, compiled into a jar at install) put to work in a SparkSession.

A pseudonymised string column is masked by :class:`TokenUdf` inside Spark's JVM: no Python worker, no
Arrow round trip. The jar is added once per session (to the SparkContext, which ships it to every
executor, and to the driver's session class loader); the UDF object carries the key as a field,
serialised into the tasks, so the key is never an expression literal in a plan. Without the jar (no JDK at install), or on a session
that cannot take it (Spark Connect: the notebook holds a gRPC client, not a JVM), :func:`token_column`
returns None and the caller masks with Arrow UDFs: slower, same tokens; a warning says so once per session.
"""

from __future__ import annotations

import logging
import threading
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    from pyspark.sql import Column, SparkSession

    from ...mask.keys import MaskingKey

JAR = Path(__file__).parent / "java" / "jupyter-privacy-spark.jar"
TOKEN_CLASS = "org.jupyterprivacy.spark.TokenUdf"
JAR_VERSION = 2
"""``TokenUdf.VERSION`` of the sources beside this module: a jar built from other sources (an editable
install not rebuilt after a pull) is not used."""
_ATTR = "_jupyter_privacy_token_class"
"""Attribute of a SparkSession: the TokenUdf class loaded there (None: not available)."""
_LOCK = threading.Lock()
_FIX_JAR = "Reinstall with a JDK 17+ (javac) on PATH to mask them in the JVM."
_FIX_CONNECT = "A classic SparkSession (not Spark Connect) masks them in the JVM."
_LOG = logging.getLogger(__name__)


def token_class(spark: SparkSession) -> Any:
    """The ``TokenUdf`` class in ``spark``'s JVM, the jar added on first use; None when unavailable."""
    jsession = getattr(spark, "_jsparkSession", None)
    with _LOCK:
        if not hasattr(spark, _ATTR):
            if jsession is None:  # Spark Connect: the client has no JVM to load the jar into
                cls, why = None, "a Spark Connect session gives the notebook no JVM to load it into"
            elif JAR.is_file():
                cls, why = _load(spark, jsession)
            else:
                cls, why = None, "it was not built at install"
            if cls is None:  # said once per session: the tokens are the same, the masking slower
                _LOG.warning(
                    "jupyter-privacy: the package's Spark jar is not used (%s); string columns are "
                    "masked by Arrow UDFs, with the same tokens but slower. %s",
                    why,
                    _FIX_CONNECT if jsession is None else _FIX_JAR,
                )
            setattr(spark, _ATTR, cls)
        return getattr(spark, _ATTR)


def _load(spark: SparkSession, jsession: Any) -> tuple[Any, str]:
    """The TokenUdf class loaded from the jar, or None and why not."""
    jvm: Any = spark.sparkContext._jvm
    try:
        # a file: URI built by Java, not `ADD JAR path`: with a space or '%' in the path the driver could
        # not load the class, and with '#' (read as a URI fragment) the executors could not
        url = jvm.java.io.File(str(JAR.resolve())).toURI()
        spark.sparkContext._jsc.sc().addJar(url.toString())  # the executors fetch it from the driver
        loader = jsession.sharedState().jarClassLoader()
        loader.addURL(url.toURL())
        cls = jvm.java.lang.Class.forName(TOKEN_CLASS, True, loader)
        if cls.getField("VERSION").getInt(None) != JAR_VERSION:
            return None, "it was built from other sources than this version's"
        return cls, ""
    except Exception as exc:  # a session that cannot load jars, or a jar without VERSION
        return None, f"Spark could not load it: {type(exc).__name__}"


def token_column(
    spark: SparkSession, column: Column, *, key: MaskingKey, entity: str, name: str
) -> Column | None:
    """``column``'s keyed pseudonyms computed in the JVM (a string column), or None (no jar)."""
    cls = token_class(spark)
    if cls is None:
        return None
    from pyspark.sql.classic.column import Column as ClassicColumn  # classic sessions only
    from pyspark.sql.classic.column import _to_seq

    from ...mask.tokens import token_shape

    sc = spark.sparkContext
    gateway, jvm = sc._gateway, sc._jvm
    assert gateway is not None and jvm is not None
    prefix, suffix = token_shape(entity)
    spaces, mapping = text_tables()
    args = gateway.new_array(jvm.java.lang.Object, 6)
    args[0] = bytearray(key.secret.encode("utf-8"))
    args[1], args[2] = prefix, suffix
    args[3], args[4] = bytearray(spaces), bytearray(mapping)
    args[5] = entity == "EMAIL_ADDRESS"
    udf = _udf_of(spark, cls.getConstructors()[0].newInstance(args)).withName(name)
    utf8 = column.cast("binary")  # its bytes: Java would read a malformed byte as U+FFFD (see TokenUdf)
    return ClassicColumn(udf.apply(_to_seq(sc, [utf8._jc])))


def _udf_of(spark: SparkSession, function: Any) -> Any:
    """``functions.udf(UDF1, StringType)`` (named by reflection: Py4J would pick the untyped overload)."""
    jvm = spark.sparkContext._jvm
    gateway = spark.sparkContext._gateway
    assert jvm is not None and gateway is not None
    klass = jvm.java.lang.Class
    types = gateway.new_array(klass, 2)
    types[0] = klass.forName("org.apache.spark.sql.api.java.UDF1")
    types[1] = klass.forName("org.apache.spark.sql.types.DataType")
    method = klass.forName("org.apache.spark.sql.functions").getMethod("udf", types)
    args = gateway.new_array(jvm.java.lang.Object, 2)
    args[0], args[1] = function, jvm.org.apache.spark.sql.types.DataTypes.StringType
    return method.invoke(None, args)


@cache
def text_tables() -> tuple[bytes, bytes]:
    """Arrow's character tables, read off Arrow itself, code point by code point (big-endian int32s):
    the characters ``utf8_trim_whitespace`` removes, and each (character, ``utf8_lower`` of it) pair
    that differs. The JVM normalises with these, so its tokens cannot drift with its Unicode version."""
    points = np.arange(0x110000, dtype=np.int64)
    points = points[(points < 0xD800) | (points >= 0xE000)]  # surrogates are not characters
    chars = _one_char_strings(points)
    spaces = points[
        pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(chars)), 0).to_numpy(zero_copy_only=False)
    ]
    lowered = pc.utf8_lower(chars)
    changed = np.flatnonzero(pc.not_equal(lowered, chars).to_numpy(zero_copy_only=False))
    targets = [ord(c) for c in lowered.take(pa.array(changed)).to_pylist()]
    pairs = np.column_stack([points[changed], np.array(targets, dtype=np.int64)])
    return spaces.astype(">i4").tobytes(), pairs.astype(">i4").tobytes()


def _one_char_strings(points: np.ndarray) -> pa.Array:
    """A string array of one character per code point (built from its UTF-8 bytes, no Python loop)."""
    text = points.astype("<u4").tobytes().decode("utf-32-le").encode("utf-8")
    widths = 1 + (points >= 0x80) + (points >= 0x800) + (points >= 0x10000)
    offsets = np.concatenate([[0], np.cumsum(widths)]).astype(np.int32)
    return pa.StringArray.from_buffers(len(points), pa.py_buffer(offsets), pa.py_buffer(text))
