package dev.quantforge.engine.variant;

import dev.quantforge.engine.plan.PlannedTensor;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a plan amounts to, for the manifest and the model card: how many tensors got each type, and
 * the tensors whose shape forced another type than the recipe asked for.
 *
 * @param fileType      the target's name, e.g. Q4_K_M
 * @param fileTypeId    the value of {@code general.file_type}; null when the output has none
 * @param bitsPerWeight bits of tensor data per weight over all tensors
 */
public record PlanSummary(String fileType, Integer fileTypeId, int tensors, long parameters, long tensorBytes,
                          double bitsPerWeight, Map<String, Integer> tensorsByType, List<Fallback> fallbacks) {

    /** A tensor kept at another type than the mixture asked for, and why. */
    public record Fallback(String tensor, String type, String reason) {
    }

    public PlanSummary {
        // sorted by type name, so manifests and cards list them in a stable order
        tensorsByType = Collections.unmodifiableMap(new TreeMap<>(tensorsByType));
        fallbacks = List.copyOf(fallbacks);
    }

    static PlanSummary of(VariantPlan plan) {
        if (!plan.formatTensors().isEmpty()) {
            Map<String, Integer> types = new TreeMap<>();
            long elements = 0;
            long written = 0;
            for (VariantPlan.FormatTensor t : plan.formatTensors()) {
                types.merge(t.targetType(), 1, Integer::sum);
                elements += t.elements();
                written += t.bytes();
            }
            return new PlanSummary(plan.target().name(), null, plan.formatTensors().size(), elements, written,
                    elements == 0 ? 0 : written * 8.0 / elements, types, List.of());
        }
        Map<String, Integer> byType = new TreeMap<>();
        long parameters = 0;
        long bytes = 0;
        for (PlannedTensor t : plan.tensors()) {
            byType.merge(t.targetType().ggmlName(), 1, Integer::sum);
            parameters += t.elementCount();
            bytes += t.byteSize();
        }
        List<Fallback> fallbacks = plan.tensors().stream().filter(t -> t.reason() != null)
                .map(t -> new Fallback(t.name(), t.targetType().ggmlName(), t.reason())).toList();
        Integer fileTypeId = plan.fileTypeId().isPresent() ? plan.fileTypeId().getAsInt() : null;
        return new PlanSummary(plan.target().name(), fileTypeId, plan.tensors().size(), parameters, bytes,
                parameters == 0 ? 0 : bytes * 8.0 / parameters, byType, fallbacks);
    }
}
