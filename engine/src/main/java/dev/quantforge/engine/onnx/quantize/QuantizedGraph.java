package dev.quantforge.engine.onnx.quantize;

import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The rewritten graph: its nodes in order, the source initializers still used (by name, in source order), the new
 * initializers, the precision name written into the model's metadata, and tensors to expose as extra (untyped) graph
 * outputs (what calibration reads), and the default domain's opset to write (0: the source's).
 */
public record QuantizedGraph(List<GraphNode> nodes, Set<String> keptInitializers, List<NewTensor> newTensors,
                             String precision, QuantizationPlan plan, List<String> extraOutputs, long defaultOpset) {
    public QuantizedGraph {
        nodes = List.copyOf(nodes);
        keptInitializers = Set.copyOf(keptInitializers);
        newTensors = List.copyOf(newTensors);
        extraOutputs = List.copyOf(extraOutputs);
    }

    public QuantizedGraph(List<GraphNode> nodes, Set<String> keptInitializers, List<NewTensor> newTensors,
                          String precision, QuantizationPlan plan, List<String> extraOutputs) {
        this(nodes, keptInitializers, newTensors, precision, plan, extraOutputs, 0);
    }

    public QuantizedGraph(List<GraphNode> nodes, Set<String> keptInitializers, List<NewTensor> newTensors,
                          String precision, QuantizationPlan plan) {
        this(nodes, keptInitializers, newTensors, precision, plan, List.of(), 0);
    }

    /** Source initializers some new node or graph output still reads; all of them when a subgraph may read any. */
    static Set<String> keptInitializers(OnnxModelFile model, List<GraphNode> nodes) {
        Set<String> kept = new LinkedHashSet<>();
        boolean subgraphs = model.nodes().stream().anyMatch(GraphNode::hasSubgraph);
        Set<String> used = new HashSet<>(model.graphOutputs());
        nodes.forEach(n -> used.addAll(n.inputs()));
        for (String name : model.initializers().keySet()) {
            if (subgraphs || used.contains(name)) {
                kept.add(name);
            }
        }
        return kept;
    }
}
