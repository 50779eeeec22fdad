package dev.quantforge.engine.safetensors;

import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor's entry in a safetensors header. {@code shape} is in safetensors order (outermost
 * dimension first, row-major); {@code begin} and {@code end} are byte offsets into the data section.
 */
public record SafetensorsTensorInfo(String name, SafetensorsDtype dtype, long[] shape, long begin, long end) {

    public SafetensorsTensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("tensor " + name + " has data_offsets [" + begin + ", " + end + "]");
        }
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long byteSize() {
        return end - begin;
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** The shape as GGUF writes it: innermost dimension (the row length) first; a scalar is {@code [1]}. */
    public long[] ggmlShape() {
        if (shape.length == 0) {
            return new long[] {1};
        }
        long[] reversed = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            reversed[i] = shape[shape.length - 1 - i];
        }
        return reversed;
    }

    /** {@code [512, 64]}, safetensors order, for messages. */
    public String shapeText() {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SafetensorsTensorInfo t && name.equals(t.name) && dtype == t.dtype
                && Arrays.equals(shape, t.shape) && begin == t.begin && end == t.end;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + shapeText();
    }
}
