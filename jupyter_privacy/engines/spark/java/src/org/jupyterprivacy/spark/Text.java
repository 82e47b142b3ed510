package org.jupyterprivacy.spark;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Text normalisation with the character tables of the Python side (Arrow's {@code utf8_trim_whitespace}
 * and {@code utf8_lower}), handed over as data: the JVM's own Unicode tables are of another Unicode
 * version, and a single differing character would change a token.
 */
final class Text implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int[] spaces;
    private final int[] upper;
    private final int[] lower;
    private final int[] asciiLower = new int[128];
    private final boolean[] asciiSpace = new boolean[128];

    /**
     * @param spaces code points that trimming removes, as 4-byte big-endian integers
     * @param mapping (code point, its lower-case code point) pairs, same encoding, sorted by code point
     */
    Text(byte[] spaces, byte[] mapping) {
        this.spaces = ints(spaces);
        int[] pairs = ints(mapping);
        this.upper = new int[pairs.length / 2];
        this.lower = new int[pairs.length / 2];
        for (int i = 0; i < upper.length; i++) {
            upper[i] = pairs[2 * i];
            lower[i] = pairs[2 * i + 1];
        }
        Arrays.sort(this.spaces);
        for (int c = 0; c < 128; c++) {
            int at = Arrays.binarySearch(upper, c);
            asciiLower[c] = at >= 0 ? lower[at] : c;
            asciiSpace[c] = Arrays.binarySearch(this.spaces, c) >= 0;
        }
    }

    private static int[] ints(byte[] bytes) {
        int[] out = new int[bytes.length / 4];
        ByteBuffer.wrap(bytes).asIntBuffer().get(out);
        return out;
    }

    boolean space(int c) {
        return c < 128 ? asciiSpace[c] : Arrays.binarySearch(spaces, c) >= 0;
    }

    /** Trimmed at both ends of the characters in {@code spaces}. */
    String trim(String s) {
        int start = 0;
        int end = s.length();
        while (start < end) {
            int c = s.codePointAt(start);
            if (!space(c)) {
                break;
            }
            start += Character.charCount(c);
        }
        while (end > start) {
            int c = s.codePointBefore(end);
            if (!space(c)) {
                break;
            }
            end -= Character.charCount(c);
        }
        return start == 0 && end == s.length() ? s : s.substring(start, end);
    }

    /** Each code point mapped by the table (one code point to one: no context, no expansion). */
    String lower(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            int l = c < 128 ? asciiLower[c] : lowerOf(c);
            if (l != c && out == null) {
                out = new StringBuilder(s.length()).append(s, 0, i);
            }
            if (out != null) {
                out.appendCodePoint(l);
            }
            i += Character.charCount(c);
        }
        return out == null ? s : out.toString();
    }

    private int lowerOf(int c) {
        int at = Arrays.binarySearch(upper, c);
        return at >= 0 ? lower[at] : c;
    }
}
