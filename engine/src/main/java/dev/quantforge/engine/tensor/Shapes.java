package dev.quantforge.engine.tensor;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Shape arithmetic and formatting, row length first. */
public final class Shapes {
    private Shapes() {
    }

    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Rows of a tensor: every dimension but the first. A 1-D tensor is one row. */
    public static long rowCount(long[] shape) {
        return elementCount(shape) / shape[0];
    }

    /** {@code 512x24}: ne0 first, as llama.cpp prints shapes. */
    public static String format(long[] shape) {
        return Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining("x"));
    }

    /** Significant dimensions: trailing 1s do not count, as for ggml_n_dims. */
    public static int dimensions(long[] shape) {
        int n = shape.length;
        while (n > 1 && shape[n - 1] == 1) {
            n--;
        }
        return n;
    }
}
