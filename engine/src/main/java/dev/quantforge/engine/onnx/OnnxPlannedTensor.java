package dev.quantforge.engine.onnx;

import dev.quantforge.engine.plan.PlanRow;

import java.util.Objects;

/**
 * One tensor of an ONNX export in ONNX's own terms.
 *
 * @param targetTypeName what is written, e.g. {@code int4 MatMulNBits b32 asym}
 * @param byteSize       bytes written for it (weights, scales and zero points)
 * @param quantized      whether it is written in fewer bits than its source
 */
public record OnnxPlannedTensor(String name, long[] shape, String sourceTypeName, String targetTypeName, long byteSize,
                                long elementCount, boolean quantized) implements PlanRow {
    public OnnxPlannedTensor {
        Objects.requireNonNull(name, "name");
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public String reason() {
        return null;
    }
}
