package dev.quantforge.engine.gguf;

import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.tensor.Shapes;

import java.util.Objects;

/**
 * A tensor's entry in a GGUF header: name, shape (row length first), type and data offset relative
 * to the start of the data section.
 */
public record GgufTensorInfo(String name, long[] shape, GgmlType type, long offset) {

    public GgufTensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        if (shape.length < 1 || shape.length > 4) {
            throw new IllegalArgumentException("tensor " + name + " has " + shape.length + " dimensions; GGUF allows 1 to 4");
        }
        for (long d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException("tensor " + name + " has a dimension of " + d);
            }
        }
        if (shape[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException("tensor " + name + " is " + type + " but its row length "
                    + shape[0] + " is not a multiple of the block size " + type.blockSize());
        }
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long elementCount() {
        return Shapes.elementCount(shape);
    }

    public long byteSize() {
        return type.byteSize(elementCount(), shape[0]);
    }

    public int dimensions() {
        return shape.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && name.equals(t.name) && java.util.Arrays.equals(shape, t.shape)
                && type == t.type && offset == t.offset;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, java.util.Arrays.hashCode(shape), type, offset);
    }

    @Override
    public String toString() {
        return name + " " + Shapes.format(shape) + " " + type;
    }
}
