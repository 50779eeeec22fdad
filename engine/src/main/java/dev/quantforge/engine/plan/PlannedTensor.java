package dev.quantforge.engine.plan;

import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.tensor.Shapes;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor of a plan: the type it has and the type it will be written as.
 *
 * @param reason why the type differs from what the mixture rules asked for (a shape fallback), or null
 */
public record PlannedTensor(String name, long[] shape, GgmlType sourceType, GgmlType targetType, String reason)
        implements PlanRow {

    public PlannedTensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(sourceType, "sourceType");
        Objects.requireNonNull(targetType, "targetType");
        shape = shape.clone();
        if (shape[0] % targetType.blockSize() != 0) {
            throw new IllegalArgumentException("tensor " + name + ": row length " + shape[0]
                    + " does not fit " + targetType.ggmlName() + " blocks of " + targetType.blockSize());
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public long elementCount() {
        return Shapes.elementCount(shape);
    }

    /** Bytes of the tensor's data once written. */
    @Override
    public long byteSize() {
        return targetType.byteSize(elementCount(), shape[0]);
    }

    /** True when the tensor is copied as it is. */
    @Override
    public boolean isCopied() {
        return sourceType == targetType;
    }

    @Override
    public String sourceTypeName() {
        return sourceType.ggmlName();
    }

    @Override
    public String targetTypeName() {
        return targetType.ggmlName();
    }

    @Override
    public boolean quantized() {
        return targetType.isQuantized();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PlannedTensor t && name.equals(t.name) && Arrays.equals(shape, t.shape)
                && sourceType == t.sourceType && targetType == t.targetType && Objects.equals(reason, t.reason);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(shape), sourceType, targetType, reason);
    }

    @Override
    public String toString() {
        return name + " " + Shapes.format(shape) + " " + sourceType.ggmlName() + " -> " + targetType.ggmlName()
                + (reason == null ? "" : " (" + reason + ")");
    }
}
