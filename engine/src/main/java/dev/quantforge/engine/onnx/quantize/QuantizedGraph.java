package dev.quantforge.engine.onnx.quantize;

import java.util.List;
import java.util.Set;

/**
 * The rewritten graph: its nodes in order, the source initializers still used (by name, in source order), the new
 * initializers, and the precision name written into the model's metadata.
 */
public record QuantizedGraph(List<GraphNode> nodes, Set<String> keptInitializers, List<NewTensor> newTensors,
                             String precision, QuantizationPlan plan) {
    public QuantizedGraph {
        nodes = List.copyOf(nodes);
        keptInitializers = Set.copyOf(keptInitializers);
        newTensors = List.copyOf(newTensors);
    }
}
