package dev.quantforge.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.quant.Quantizer;
import dev.quantforge.engine.quant.Quantizers;
import dev.quantforge.engine.quant.KernelBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "bench-kernels",
        description = {"Measure quantization speed: MB/s of F32 input for a 4096x4096 N(0, 0.02) matrix, per type.",
                "ggml's own figures, recorded on one machine, are in docs/benchmark.md."})
public final class BenchKernelsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "1", description = "threads (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--types", paramLabel = "T,..", split = ",", description = "types to measure (default: all)")
    List<String> types;

    @Option(names = "--json", description = "print one JSON object mapping each type to its MB/s")
    boolean json;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "2", description = "time per type after a warm-up (default: ${DEFAULT-VALUE})")
    double seconds;

    @Override
    public Integer call() throws Exception {
        if (threads < 1) {
            throw new InvalidInputException("--threads must be at least 1");
        }
        // the kernels' steady speed: the block types' vector code from the first pass, not after it wins a race
        System.getProperties().putIfAbsent("quantforge.kernels.blocks", "vector");
        // every name is checked before the first measurement, so that a typo does not wait for the others
        List<Quantizer> selected = types == null
                ? Arrays.stream(GgmlType.values()).filter(t -> t != GgmlType.F32)
                        .flatMap(t -> Quantizers.forType(t).stream()).toList()
                : types.stream().map(name -> Quantizers.require(GgmlType.byName(name).orElseThrow(() ->
                        new InvalidInputException("unknown type " + name)))).toList();
        PrintWriter out = spec.commandLine().getOut();
        KernelBenchmark bench = KernelBenchmark.gaussianMatrix(4096, 4096, 0.02f, 42);
        Map<String, Double> results = new LinkedHashMap<>();
        if (!json) {
            out.printf(Locale.ROOT, "%-8s %10s   (%d thread%s)%n", "type", "MB/s", threads, threads == 1 ? "" : "s");
        }
        for (Quantizer quantizer : selected) {
            String type = quantizer.type().name();
            double mbPerSecond = bench.measure(quantizer, threads, seconds);
            results.put(type, Math.round(mbPerSecond * 10) / 10.0);
            if (!json) {
                out.printf(Locale.ROOT, "%-8s %10.1f%n", type, mbPerSecond);
                out.flush();
            }
        }
        if (json) {
            out.println(new ObjectMapper().writeValueAsString(results));
        }
        return 0;
    }
}
