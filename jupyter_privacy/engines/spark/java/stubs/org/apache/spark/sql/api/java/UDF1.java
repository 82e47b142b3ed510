package org.apache.spark.sql.api.java;

import java.io.Serializable;

/** Compile-time copy of Spark's UDF1 interface (Spark itself provides it at run time; not packaged). */
public interface UDF1<T1, R> extends Serializable {
    R call(T1 t1) throws Exception;
}
