package dev.quantforge.engine.quantize;

import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.plan.PlannedTensor;
import dev.quantforge.engine.plan.TensorDescriptor;
import dev.quantforge.engine.tensor.Shapes;

import java.util.List;

/**
 * The plan of {@code quantize --uniform}: every 2-D tensor whose row length is a multiple of the
 * type's block size becomes that type, every other tensor is copied as it is, in source order. No
 * skip list, no fallback, no mixture: exactly how ggml's golden reference files were made.
 */
public final class UniformPlan {
    private UniformPlan() {
    }

    public static List<PlannedTensor> plan(List<TensorDescriptor> tensors, GgmlType type) {
        return tensors.stream().map(t -> {
            boolean eligible = Shapes.dimensions(t.shape()) == 2 && t.rowLength() % type.blockSize() == 0;
            return new PlannedTensor(t.name(), t.shape(), t.type(), eligible ? type : t.type(), null);
        }).toList();
    }
}
