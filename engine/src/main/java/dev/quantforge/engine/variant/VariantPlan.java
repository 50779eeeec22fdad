package dev.quantforge.engine.variant;

import dev.quantforge.engine.plan.PlanTable;
import dev.quantforge.engine.plan.PlannedTensor;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * What a build will write: every tensor with its target type, in output order.
 *
 * @param tensors       the tensors of a format whose types are ggml types (GGUF); empty otherwise
 * @param fileTypeId    the value of {@code general.file_type}, or empty when no single file type describes
 *                      the output (a uniform target)
 * @param formatTensors the tensors of a format whose types are not ggml types (ONNX); empty for GGUF
 */
public record VariantPlan(Target target, List<PlannedTensor> tensors, OptionalInt fileTypeId,
                          List<FormatTensor> formatTensors) {

    /**
     * A tensor in a format's own types.
     *
     * @param targetType the format's name for what is written, e.g. {@code int4 MatMulNBits b32 asym}
     * @param bytes      bytes written for it (weights, scales and zero points)
     * @param quantized  whether it is written in fewer bits than its source
     */
    public record FormatTensor(String name, long[] shape, String sourceType, String targetType, long bytes,
                               long elements, boolean quantized) {
        public FormatTensor {
            Objects.requireNonNull(name, "name");
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }
    }

    public VariantPlan {
        Objects.requireNonNull(target, "target");
        tensors = List.copyOf(tensors);
        Objects.requireNonNull(fileTypeId, "fileTypeId");
        formatTensors = List.copyOf(formatTensors);
    }

    public VariantPlan(Target target, List<PlannedTensor> tensors, OptionalInt fileTypeId) {
        this(target, tensors, fileTypeId, List.of());
    }

    /** Whether any tensor is written in a block-quantized type. */
    public boolean blockQuantized() {
        return tensors.stream().anyMatch(t -> t.targetType().isQuantized())
                || formatTensors.stream().anyMatch(FormatTensor::quantized);
    }

    /** The per-tensor table and its totals, as {@code quantize --dry-run} prints them. */
    public String table() {
        if (!formatTensors.isEmpty()) {
            StringBuilder out = new StringBuilder();
            long bytes = 0;
            long elements = 0;
            for (FormatTensor t : formatTensors) {
                out.append(String.format(Locale.ROOT, "%-48s %-16s %-8s -> %-28s %,14d%n", t.name(),
                        java.util.Arrays.toString(t.shape()), t.sourceType(), t.targetType(), t.bytes()));
                bytes += t.bytes();
                elements += t.elements();
            }
            return out + String.format(Locale.ROOT, "%d tensors, %,d parameters, %,d bytes (%.2f bits per weight), %s%n",
                    formatTensors.size(), elements, bytes, elements == 0 ? 0 : bytes * 8.0 / elements, target.name());
        }
        String totals = PlanTable.totals(tensors);
        if (fileTypeId.isPresent()) {
            totals += String.format(Locale.ROOT, ", file type %s (general.file_type = %d)", target.name(),
                    fileTypeId.getAsInt());
        }
        return PlanTable.rows(tensors) + totals + '\n';
    }

    public PlanSummary summary() {
        return PlanSummary.of(this);
    }
}
