package dev.quantforge.engine.bench;

import dev.quantforge.engine.EngineVersion;
import dev.quantforge.engine.runtime.LlamaRuntime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The machine a benchmark ran on, as far as the JVM and Linux tell. */
final class MachineInfo {
    private static final Path CPUINFO = Path.of("/proc/cpuinfo");

    private MachineInfo() {
    }

    /** {@code runtime} is null when llama.cpp was not used; the supported build is reported then. */
    static BenchmarkReport.Machine current(LlamaRuntime runtime) {
        return current(runtime, null);
    }

    /** {@code runtimeName} names the runtime that ran the variant when it is not llama.cpp, e.g. "onnxruntime 1.29.0". */
    static BenchmarkReport.Machine current(LlamaRuntime runtime, String runtimeName) {
        String llamaCpp = runtime == null
                ? "b" + LlamaRuntime.SUPPORTED_BUILD
                : "b" + runtime.buildNumber() + " (" + runtime.commit() + ")";
        return new BenchmarkReport.Machine(cpuModel().orElse(System.getProperty("os.arch")),
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name") + " " + System.getProperty("os.version"),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
                llamaCpp, EngineVersion.get(), EngineVersion.commit(), runtimeName);
    }

    private static Optional<String> cpuModel() {
        if (!Files.isReadable(CPUINFO)) {
            return Optional.empty();
        }
        try {
            for (String line : Files.readAllLines(CPUINFO, StandardCharsets.UTF_8)) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).strip().equals("model name")) {
                    return Optional.of(line.substring(colon + 1).strip()).filter(s -> !s.isEmpty());
                }
            }
        } catch (IOException e) {
            // a machine that hides its CPU still gets benchmarked; os.arch stands in
        }
        return Optional.empty();
    }
}
