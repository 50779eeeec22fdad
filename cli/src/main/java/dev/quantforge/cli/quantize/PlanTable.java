package dev.quantforge.cli.quantize;

import dev.quantforge.engine.quantize.TensorJob;
import dev.quantforge.engine.tensor.Shapes;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/** The --dry-run table: one line per tensor, then the totals. */
final class PlanTable {
    private PlanTable() {
    }

    static void print(PrintWriter out, List<TensorJob> jobs) {
        int nameWidth = Math.max(6, jobs.stream().mapToInt(j -> j.name().length()).max().orElse(6));
        String row = "%-" + nameWidth + "s  %-16s  %-8s -> %-8s  %12s%n";
        out.printf(Locale.ROOT, row, "tensor", "shape", "source", "target", "bytes");
        long bytes = 0;
        long parameters = 0;
        for (TensorJob j : jobs) {
            out.printf(Locale.ROOT, row, j.name(), Shapes.format(j.source().shape()), j.source().type().ggmlName(),
                    j.target().ggmlName(), j.targetBytes());
            bytes += j.targetBytes();
            parameters += j.source().elementCount();
        }
        out.printf(Locale.ROOT, "%d tensors, %d parameters, %.2f MB of tensor data, %.3f bits per weight%n",
                jobs.size(), parameters, bytes / 1e6, parameters == 0 ? 0 : bytes * 8.0 / parameters);
    }
}
