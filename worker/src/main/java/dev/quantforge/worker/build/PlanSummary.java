package dev.quantforge.worker.build;

import dev.quantforge.engine.plan.PlannedTensor;
import dev.quantforge.engine.plan.QuantizationPlan;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a plan amounts to, for the manifest and the model card: how many tensors got each type, and
 * the tensors whose shape forced another type than the recipe asked for.
 *
 * @param fileType      llama.cpp's name of the file type, e.g. Q4_K_M
 * @param bitsPerWeight bits of tensor data per weight over all tensors
 */
public record PlanSummary(String fileType, int fileTypeId, int tensors, long parameters, long tensorBytes,
                          double bitsPerWeight, Map<String, Integer> tensorsByType, List<Fallback> fallbacks) {

    /** A tensor kept at another type than the mixture asked for, and why. */
    public record Fallback(String tensor, String type, String reason) {
    }

    public PlanSummary {
        // sorted by type name, so manifests and cards list them in a stable order
        tensorsByType = Collections.unmodifiableMap(new TreeMap<>(tensorsByType));
        fallbacks = List.copyOf(fallbacks);
    }

    public static PlanSummary of(QuantizationPlan plan) {
        Map<String, Integer> byType = new TreeMap<>();
        for (PlannedTensor t : plan.tensors()) {
            byType.merge(t.targetType().ggmlName(), 1, Integer::sum);
        }
        List<Fallback> fallbacks = plan.tensors().stream().filter(t -> t.reason() != null)
                .map(t -> new Fallback(t.name(), t.targetType().ggmlName(), t.reason())).toList();
        return new PlanSummary(plan.fileType().name(), plan.fileTypeId(), plan.tensors().size(), plan.elementCount(),
                plan.totalBytes(), plan.bitsPerWeight(), byType, fallbacks);
    }
}
