package dev.quantforge.engine.plan;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;

/**
 * The order in which llama.cpp quantizes and writes tensors (its loader's weight_name_comparer):
 * by the layer number of a {@code blk.N.} prefix, tensors without one first, then by name as byte
 * strings. The mixture rules count layers in this order, so it decides types as well as layout.
 */
final class TensorOrder {
    static final Comparator<String> NAMES = Comparator.comparingInt(TensorOrder::layerNumber)
            .thenComparing(TensorOrder::compareBytes);

    private TensorOrder() {
    }

    /**
     * The N of a name starting {@code blk.N}, as {@code sscanf(name, "blk.%d.")} reads it, or -1.
     * Numbers beyond the int range saturate.
     */
    static int layerNumber(String name) {
        if (!name.startsWith("blk.")) {
            return -1;
        }
        int i = 4;
        while (i < name.length() && Character.isWhitespace(name.charAt(i))) {
            i++;
        }
        boolean negative = false;
        if (i < name.length() && (name.charAt(i) == '-' || name.charAt(i) == '+')) {
            negative = name.charAt(i) == '-';
            i++;
        }
        int start = i;
        long value = 0;
        while (i < name.length() && name.charAt(i) >= '0' && name.charAt(i) <= '9') {
            value = Math.min(value * 10 + (name.charAt(i) - '0'), (long) Integer.MAX_VALUE + 1);
            i++;
        }
        if (i == start) {
            return -1;
        }
        long signed = negative ? -value : value;
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, signed));
    }

    private static int compareBytes(String a, String b) {
        return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
