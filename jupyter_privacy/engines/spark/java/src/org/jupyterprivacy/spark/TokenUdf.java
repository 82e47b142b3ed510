package org.jupyterprivacy.spark;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.spark.sql.api.java.UDF1;

/**
 * The keyed pseudonym of one string value, computed inside Spark's JVM (no Python worker, no Arrow
 * round trip): PREFIX + the first 16 hex digits of HMAC-SHA256(key, normalised value) + SUFFIX,
 * byte-identical to jupyter_privacy.mask.tokens: trimmed, e-mail addresses lower-cased, with the
 * character tables the Python side reads off Arrow (see {@link Text}).
 *
 * <p>The key is a field of this object: Spark ships it to the executors inside the serialized task,
 * never as an expression literal, so no query plan, Spark UI page or event log shows it.
 * {@link #toString()} names the function only.
 *
 * <p>It takes the value's UTF-8 bytes (the string column cast to binary), not a Java String: Spark
 * would decode each malformed byte to U+FFFD, so different values (a Parquet file can hold any bytes)
 * would share a token. A value that is not UTF-8 is refused, as the Arrow path refuses it.
 */
public final class TokenUdf implements UDF1<byte[], String> {
    /** What the Python side checks before it uses this class (jvm.py, JAR_VERSION): bumped whenever the
     * constructor or what {@link #call} takes changes, so a jar built from older sources is not used. */
    public static final int VERSION = 2;
    /* a task serialised by another version fails to deserialise on an executor that holds this one
     * (a cluster library of another release first on its class path), instead of being read wrongly */
    private static final long serialVersionUID = VERSION;
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    static final int DIGITS = 16;

    private final byte[] secret;
    private final String prefix;
    private final String suffix;
    private final Text text;
    private final boolean lower;
    private transient ThreadLocal<Mac> macs;

    /**
     * @param secret the key's bytes (the HMAC key)
     * @param spaces, mapping the character tables of {@link Text}
     * @param lower whether values are lower-cased before they are keyed (e-mail addresses)
     */
    public TokenUdf(
            byte[] secret, String prefix, String suffix, byte[] spaces, byte[] mapping, boolean lower) {
        this.secret = secret.clone();
        this.text = new Text(spaces, mapping);
        this.prefix = prefix;
        this.suffix = suffix;
        this.lower = lower;
    }

    @Override
    public String call(byte[] utf8) {
        if (utf8 == null) {
            return null;
        }
        String trimmed = text.trim(decode(utf8));
        byte[] digest = hmac(lower ? text.lower(trimmed) : trimmed);
        StringBuilder out = new StringBuilder(prefix.length() + DIGITS + suffix.length());
        out.append(prefix);
        for (int i = 0; i < DIGITS / 2; i++) {
            out.append(HEX[(digest[i] >> 4) & 15]).append(HEX[digest[i] & 15]);
        }
        return out.append(suffix).toString();
    }

    /** The text of {@code utf8}; an error (naming no value) when it is not valid UTF-8. */
    static String decode(byte[] utf8) {
        String value = new String(utf8, StandardCharsets.UTF_8);
        if (value.indexOf('\uFFFD') >= 0 && !valid(utf8)) { // U+FFFD: in the value, or a replaced byte
            throw new IllegalArgumentException(
                    "a value of a pseudonymised column is not valid UTF-8 text; it cannot be given a token");
        }
        return value;
    }

    private static boolean valid(byte[] utf8) {
        try {
            StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(utf8));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    byte[] hmac(String text) {
        if (macs == null) {
            macs = ThreadLocal.withInitial(this::newMac);
        }
        return macs.get().doFinal(text.getBytes(StandardCharsets.UTF_8));
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM");
        }
    }

    @Override
    public String toString() {
        return "jupyter_privacy token";
    }
}
