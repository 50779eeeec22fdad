package dev.quantforge.engine.plan;

import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.tensor.Shapes;
import dev.quantforge.engine.tensor.TensorSource;

import java.util.Arrays;
import java.util.Objects;

/** What the planner needs to know of a tensor: its name, its shape (row length first) and its type. */
public record TensorDescriptor(String name, long[] shape, GgmlType type) {

    public TensorDescriptor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        if (shape.length < 1 || shape.length > 4) {
            throw new IllegalArgumentException("tensor " + name + " has " + shape.length + " dimensions; ggml allows 1 to 4");
        }
        for (long d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException("tensor " + name + " has a dimension of " + d);
            }
        }
        if (shape[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException("tensor " + name + " is " + type.ggmlName() + " but its row length "
                    + shape[0] + " is not a multiple of the block size " + type.blockSize());
        }
        shape = shape.clone();
    }

    public static TensorDescriptor of(TensorSource source) {
        return new TensorDescriptor(source.name(), source.shape(), source.type());
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long rowLength() {
        return shape[0];
    }

    public long elementCount() {
        return Shapes.elementCount(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorDescriptor t && name.equals(t.name) && Arrays.equals(shape, t.shape) && type == t.type;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(shape), type);
    }

    @Override
    public String toString() {
        return name + " " + Shapes.format(shape) + " " + type.ggmlName();
    }
}
