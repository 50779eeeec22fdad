package dev.quantforge.engine.onnx.quantize;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the quantizer did with every node it could have quantized: the new form, or why it stayed float. Nothing is
 * left float silently: an op ORT's dynamic quantizer handles but quantforge does not is listed as unsupported.
 */
public record QuantizationPlan(String precision, List<Entry> entries) {

    public enum Action { QUANTIZED, FLOAT, UNSUPPORTED }

    /** One node: its name and op, what happened, and the detail (new ops, or the reason it stayed float). */
    public record Entry(String node, String opType, Action action, String detail) {
    }

    public QuantizationPlan {
        entries = List.copyOf(entries);
    }

    public long count(Action action) {
        return entries.stream().filter(e -> e.action() == action).count();
    }

    public List<Entry> unsupported() {
        return entries.stream().filter(e -> e.action() == Action.UNSUPPORTED).toList();
    }

    /** The table {@code quantforge quantize} prints: per op and action counts, then every float or unsupported node. */
    public String table() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%s: %d nodes quantized, %d kept float, %d unsupported (kept float)%n",
                precision, count(Action.QUANTIZED), count(Action.FLOAT), count(Action.UNSUPPORTED)));
        Map<String, Integer> summary = new TreeMap<>();
        entries.forEach(e -> summary.merge(e.opType() + " " + e.action().name().toLowerCase(Locale.ROOT) + ": " + e.detail(), 1, Integer::sum));
        summary.forEach((k, n) -> out.append(String.format(Locale.ROOT, "  %4d x %s%n", n, k)));
        for (Entry e : entries) {
            if (e.action() == Action.UNSUPPORTED) {
                out.append("  unsupported: ").append(e.opType()).append(' ').append(e.node()).append(" (").append(e.detail()).append(")\n");
            }
        }
        return out.toString();
    }
}
