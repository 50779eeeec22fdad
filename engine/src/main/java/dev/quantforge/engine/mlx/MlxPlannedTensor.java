package dev.quantforge.engine.mlx;

import dev.quantforge.engine.plan.PlanRow;
import dev.quantforge.engine.safetensors.SafetensorsDtype;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor of the source checkpoint and what MLX output it becomes: a quantized Linear or Embedding weight
 * ({@code <module>.weight} as packed uint32, {@code <module>.scales}, {@code <module>.biases} for affine), or
 * the same tensor in the output dtype.
 *
 * @param hfShape      the shape as safetensors stores it (outermost first)
 * @param quantization how the weight is quantized, or null when it is kept as floats
 * @param reason       why a weight MLX would quantize is kept (its rows do not split into groups), or null
 */
public record MlxPlannedTensor(String name, long[] hfShape, SafetensorsDtype sourceDtype, MlxDtype dtype,
                               MlxQuantization quantization, String reason) implements PlanRow {

    public MlxPlannedTensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(sourceDtype, "sourceDtype");
        Objects.requireNonNull(dtype, "dtype");
        hfShape = hfShape.clone();
        if (quantization != null) {
            if (!name.endsWith(".weight") || hfShape.length != 2) {
                throw new IllegalArgumentException("only a matrix named <module>.weight is quantized, not " + name);
            }
            if (!quantization.fits(hfShape[1])) {
                throw new IllegalArgumentException(name + ": rows of " + hfShape[1] + " do not split into groups of "
                        + quantization.groupSize());
            }
        }
    }

    /** The module a quantized weight belongs to, e.g. {@code model.layers.0.self_attn.q_proj}. */
    public String module() {
        return name.endsWith(".weight") ? name.substring(0, name.length() - ".weight".length()) : name;
    }

    public long[] hfShape() {
        return hfShape.clone();
    }

    @Override
    public long[] shape() {
        long[] reversed = new long[hfShape.length];
        for (int i = 0; i < hfShape.length; i++) {
            reversed[i] = hfShape[hfShape.length - 1 - i];
        }
        return reversed;
    }

    public long rows() {
        return hfShape.length < 2 ? 1 : elementCount() / hfShape[hfShape.length - 1];
    }

    public long rowLength() {
        return hfShape.length == 0 ? 1 : hfShape[hfShape.length - 1];
    }

    @Override
    public String sourceTypeName() {
        return sourceDtype.name();
    }

    @Override
    public String targetTypeName() {
        return quantization == null ? dtype.safetensors().name() : quantization.label();
    }

    @Override
    public long elementCount() {
        long n = 1;
        for (long d : hfShape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public long weightBytes() {
        return quantization == null ? elementCount() * dtype.byteWidth() : rows() * quantization.packedRowWords(rowLength()) * 4;
    }

    public long scalesBytes() {
        return quantization == null ? 0 : rows() * quantization.groupsPerRow(rowLength()) * quantization.scaleBytes(dtype);
    }

    public long biasesBytes() {
        return quantization == null || !quantization.mode().hasBiases() ? 0
                : rows() * quantization.groupsPerRow(rowLength()) * dtype.byteWidth();
    }

    @Override
    public long byteSize() {
        return weightBytes() + scalesBytes() + biasesBytes();
    }

    @Override
    public boolean quantized() {
        return quantization != null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MlxPlannedTensor t && name.equals(t.name) && Arrays.equals(hfShape, t.hfShape)
                && sourceDtype == t.sourceDtype && dtype == t.dtype && Objects.equals(quantization, t.quantization)
                && Objects.equals(reason, t.reason);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(hfShape), sourceDtype, dtype, quantization, reason);
    }

    @Override
    public String toString() {
        return name + " " + Arrays.toString(hfShape) + " " + sourceTypeName() + " -> " + targetTypeName()
                + (reason == null ? "" : " (" + reason + ")");
    }
}
