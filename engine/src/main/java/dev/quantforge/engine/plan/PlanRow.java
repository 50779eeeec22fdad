package dev.quantforge.engine.plan;

/**
 * One tensor of a variant's plan, in any format: what it is and what it becomes. GGUF's {@link PlannedTensor}
 * speaks ggml types; a format whose tensors are not ggml types (MLX's grouped quantization) has its own row.
 */
public interface PlanRow {

    String name();

    /** The shape, row length first (GGUF order). */
    long[] shape();

    /** The source's type, e.g. {@code F32}. */
    String sourceTypeName();

    /** What the tensor is written as, e.g. {@code Q4_K} or {@code affine q4 g64}. */
    String targetTypeName();

    long elementCount();

    /** Bytes of the tensor's data once written (for a quantized MLX weight: packed weight, scales and biases). */
    long byteSize();

    /** Why the tensor is written otherwise than the recipe asked (a shape fallback), or null. */
    String reason();

    /** Whether the tensor is written as block- or group-quantized data. */
    boolean quantized();

    /** True when the tensor is copied as it is. */
    default boolean isCopied() {
        return sourceTypeName().equals(targetTypeName());
    }
}
