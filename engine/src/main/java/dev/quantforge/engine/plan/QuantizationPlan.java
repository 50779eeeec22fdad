package dev.quantforge.engine.plan;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The type of every tensor of a quantized model, in the order the tensors are written (llama.cpp's
 * order: tensors outside the layers first, then {@code blk.0}, {@code blk.1}, …; names sorted as byte
 * strings within each group).
 */
public record QuantizationPlan(LlamaFileType fileType, List<PlannedTensor> tensors) {

    /** GGUF's default alignment: every tensor's data starts at a multiple of it. */
    public static final int ALIGNMENT = 32;

    public QuantizationPlan {
        Objects.requireNonNull(fileType, "fileType");
        tensors = List.copyOf(tensors);
    }

    /** The value of {@code general.file_type}. */
    public int fileTypeId() {
        return fileType.id();
    }

    public Optional<PlannedTensor> tensor(String name) {
        return tensors.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    /** Sum of the tensors' data sizes. */
    public long totalBytes() {
        return tensors.stream().mapToLong(PlannedTensor::byteSize).sum();
    }

    /** Size of the data section: each tensor's data padded to {@link #ALIGNMENT}. */
    public long dataSize() {
        return tensors.stream().mapToLong(t -> (t.byteSize() + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT).sum();
    }

    public long elementCount() {
        return tensors.stream().mapToLong(PlannedTensor::elementCount).sum();
    }

    /** Bits of tensor data per weight, over all tensors. */
    public double bitsPerWeight() {
        long elements = elementCount();
        return elements == 0 ? 0 : totalBytes() * 8.0 / elements;
    }

    /** Tensors whose type had to give way to their shape. */
    public long fallbackCount() {
        return tensors.stream().filter(t -> t.reason() != null).count();
    }
}
