package dev.quantforge.engine.quantize;

import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.tensor.TensorSource;

import java.util.Objects;

/**
 * One tensor of the output: where its values come from, the type it is written as, and the
 * per-column importance weights to quantize it with (null for none).
 */
public record TensorJob(TensorSource source, GgmlType target, float[] importance) {

    public TensorJob {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        if (source.rowLength() % target.blockSize() != 0) {
            throw new IllegalArgumentException("tensor " + source.name() + ": row length " + source.rowLength()
                    + " is not a multiple of " + target + "'s block size " + target.blockSize());
        }
        if (importance != null && importance.length != source.rowLength()) {
            throw new IllegalArgumentException("tensor " + source.name() + ": " + importance.length
                    + " importance weights for rows of " + source.rowLength());
        }
    }

    public String name() {
        return source.name();
    }

    /** True when the bytes are copied as they are. */
    public boolean isCopy() {
        return target == source.type();
    }

    public long targetBytes() {
        return target.byteSize(source.elementCount(), source.rowLength());
    }
}
