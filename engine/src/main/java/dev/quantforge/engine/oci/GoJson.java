package dev.quantforge.engine.oci;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * JSON written byte for byte as Go's {@code encoding/json} Encoder writes it, because Ollama's digests are the
 * sha256 of those bytes: no spaces, {@code <}, {@code >} and {@code &} escaped as {@code \u003c} and so on,
 * U+2028/U+2029 escaped, and a newline at the end ({@code json.NewEncoder(w).Encode(v)}).
 *
 * <p>Values: a {@link Map} is written in its own iteration order (use a {@code LinkedHashMap} for a Go struct,
 * whose fields keep their declared order, and {@link #sorted} for a Go map, whose keys Go sorts); {@link List},
 * {@link String}, {@link Boolean}, integer {@link Number}s, and {@link Float32} for Go's {@code float32}.
 */
public final class GoJson {
    private GoJson() {
    }

    /** A Go {@code float32}, written as Go writes it (the shortest decimal that reads back to the same float). */
    public record Float32(float value) {
    }

    /** A Go map: keys sorted. */
    public static Map<String, Object> sorted(Map<String, ?> map) {
        return new TreeMap<>(map);
    }

    /** {@code json.NewEncoder(w).Encode(value)}: the encoding and a newline. */
    public static byte[] encode(Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value);
        out.append('\n');
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void write(StringBuilder out, Object value) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof String s) {
            string(out, s);
        } else if (value instanceof Boolean b) {
            out.append(b);
        } else if (value instanceof Float32 f) {
            out.append(float32(f.value()));
        } else if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            out.append(((Number) value).longValue());
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                string(out, (String) e.getKey());
                out.append(':');
                write(out, e.getValue());
            }
            out.append('}');
        } else if (value instanceof List<?> list) {
            out.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                write(out, list.get(i));
            }
            out.append(']');
        } else {
            throw new IllegalArgumentException("no Go JSON encoding for " + value.getClass().getName());
        }
    }

    /** Go's float encoder at 32 bits: 'f' format in [1e-6, 1e21), else 'e' with a two-digit-minimum exponent trimmed. */
    static String float32(float f) {
        if (Float.isNaN(f) || Float.isInfinite(f)) {
            throw new IllegalArgumentException("Go's JSON has no encoding for " + f);
        }
        if (f == 0) {
            return Float.floatToRawIntBits(f) < 0 ? "-0" : "0";
        }
        BigDecimal shortest = new BigDecimal(Float.toString(f)).stripTrailingZeros();
        float abs = Math.abs(f); // compared as float32, as Go does for a 32-bit float
        if (abs >= 1e-6f && abs < 1e21f) {
            return shortest.toPlainString();
        }
        // d.ddde±x as strconv writes it; encoding/json then turns e-07 into e-7 (Go writes at least two exponent digits)
        String digits = shortest.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - shortest.scale();
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return (f < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+") + Math.abs(exponent);
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '<', '>', '&', '\u2028', '\u2029' -> unicode(out, c);
                default -> {
                    if (c < 0x20) {
                        unicode(out, c);
                    } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                        out.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        out.append("\\ufffd"); // Go writes invalid UTF-8 as the replacement character
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static void unicode(StringBuilder out, char c) {
        out.append("\\u").append(HEX[c >> 12 & 15]).append(HEX[c >> 8 & 15]).append(HEX[c >> 4 & 15]).append(HEX[c & 15]);
    }
}
