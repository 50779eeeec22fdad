package dev.quantforge.cli.bench;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.plan.LlamaFileType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "bench-quantize",
        description = {"Race `quantforge quantize` against llama.cpp's own quantizer (llama_model_quantize, called in a "
                + "process of its own) on one model, per file type: wall time, CPU time, peak RSS, their ratios, and "
                + "whether the two outputs have the same tensors byte for byte.",
                "quantforge's time is the whole command, JVM start-up included; llama.cpp's is the time inside its "
                        + "quantize call, and its RSS leaves out the JVM that hosts the call. Needs GNU time "
                        + "(/usr/bin/time, Debian package `time`)."})
public final class BenchQuantizeCommand implements Callable<Integer> {
    static final Path GNU_TIME = Path.of("/usr/bin/time");

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "GGUF model to quantize (F32/F16/BF16)")
    Path model;

    // every legacy and K-quant file type: the goals are per type, and a shorter list left out the weakest ones
    @Option(names = "--types", paramLabel = "T,..", split = ",",
            defaultValue = "Q8_0,Q4_0,Q4_1,Q5_0,Q5_1,Q2_K,Q3_K_S,Q3_K_M,Q3_K_L,Q4_K_S,Q4_K_M,Q5_K_S,Q5_K_M,Q6_K",
            description = "file types (default: ${DEFAULT-VALUE})")
    List<String> types;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "2", description = "threads for both (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "1", description = "runs per tool and type; the median counts (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--libllama", paramLabel = "FILE", required = true,
            description = "the libllama to race, its libggml libraries beside it (docs/benchmark.md says where to get one)")
    Path libllama;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "where the outputs are written and removed (default: a temporary directory)")
    Path workDir;

    private String llamaBuild = "";

    /** One tool's run of one type: seconds, CPU seconds, peak resident set in MB. */
    record Usage(double seconds, double cpuSeconds, double peakMb) {
    }

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(model)) {
            throw new InvalidInputException(model + ": no such file");
        }
        if (!Files.isRegularFile(libllama)) {
            throw new InvalidInputException("--libllama: " + libllama + ": no such file");
        }
        if (!Files.isExecutable(GNU_TIME)) {
            throw new InvalidInputException("bench-quantize measures with GNU time, and " + GNU_TIME + " is missing (Debian package `time`)");
        }
        if (threads < 1 || runs < 1) {
            throw new InvalidInputException("--threads and --runs must be at least 1");
        }
        List<LlamaFileType> fileTypes = types.stream().map(LlamaFileType::parse).toList();
        Path dir = workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("bench-quantize");
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "%s, %d thread%s, %d run%s per tool and type (medians)%n", model.getFileName(), threads,
                threads == 1 ? "" : "s", runs, runs == 1 ? "" : "s");
        out.printf(Locale.ROOT, "%-8s %9s %9s %6s %9s %9s %6s %9s %9s  %s%n", "type", "llama s", "qf s", "ratio",
                "llama cpu", "qf cpu", "ratio", "llama MB", "qf MB", "same tensors");
        boolean allSame = true;
        try {
            for (LlamaFileType type : fileTypes) {
                Path expected = dir.resolve("llama-" + type + ".gguf");
                Path actual = dir.resolve("quantforge-" + type + ".gguf");
                List<Usage> llama = new ArrayList<>();
                List<Usage> quantforge = new ArrayList<>();
                for (int run = 0; run < runs; run++) {
                    // alternated, so that a slow patch of the machine hits both tools; each run writes a new file,
                    // as a first run does (on ext4, quantforge's atomic replace of an old one waits for its write-back)
                    Files.deleteIfExists(expected);
                    llama.add(runLlama(type, expected, dir));
                    Files.deleteIfExists(actual);
                    quantforge.add(runQuantforge(type, actual, dir));
                }
                Optional<String> difference = TensorDifference.between(expected, actual);
                allSame &= difference.isEmpty();
                Usage l = median(llama);
                Usage q = median(quantforge);
                out.printf(Locale.ROOT, "%-8s %9.2f %9.2f %6.2f %9.2f %9.2f %6.2f %9.0f %9.0f  %s%n", type, l.seconds(),
                        q.seconds(), l.seconds() / q.seconds(), l.cpuSeconds(), q.cpuSeconds(),
                        l.cpuSeconds() / q.cpuSeconds(), l.peakMb(), q.peakMb(), difference.map(d -> "NO: " + d).orElse("yes"));
                out.flush();
                Files.deleteIfExists(expected);
                Files.deleteIfExists(actual);
            }
        } finally {
            if (workDir == null) {
                deleteTree(dir);
            }
        }
        out.println("ratio = llama.cpp / quantforge: above 1, quantforge is faster; " + llamaBuild);
        return allSame ? 0 : 1;
    }

    private Usage runQuantforge(LlamaFileType type, Path output, Path dir) throws IOException, InterruptedException {
        List<String> command = javaCommand();
        command.addAll(List.of("dev.quantforge.cli.Main", "quantize", model.toString(), output.toString(), type.name(),
                "--threads", Integer.toString(threads)));
        Timed timed = timed(command, dir, "quantforge " + type, false);
        return new Usage(timed.seconds, timed.cpuSeconds, timed.peakKb / 1024.0);
    }

    private Usage runLlama(LlamaFileType type, Path output, Path dir) throws IOException, InterruptedException {
        List<String> command = javaCommand();
        command.addAll(List.of(LlamaQuantizeChild.class.getName(), libllama.toString(),
                model.toString(), output.toString(), type.name(), Integer.toString(threads)));
        Timed timed = timed(command, dir, "llama.cpp " + type, true);
        String[] line = timed.lastLine.split(" ");
        if (line.length < 4 || !line[0].equals("llama")) {
            throw new IllegalStateException("llama.cpp " + type + " printed no figures: " + timed.lastLine);
        }
        double hostKb = Double.parseDouble(line[3]);
        llamaBuild = String.join(" ", Arrays.asList(line).subList(4, line.length));
        return new Usage(Double.parseDouble(line[1]), Double.parseDouble(line[2]), (timed.peakKb - hostKb) / 1024.0);
    }

    /** This JVM's launcher, options and class path, for a child that starts as this command did. */
    private static List<String> javaCommand() {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(option -> !option.startsWith("-javaagent") && !option.startsWith("-agentlib"))
                .forEach(command::add);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        return command;
    }

    private record Timed(double seconds, double cpuSeconds, double peakKb, String lastLine) {
    }

    /**
     * Runs {@code command} under GNU time. {@code asUserRunsIt}: without the environment variables the
     * {@code quantforge} launcher set for its own JVM (named in {@code QUANTFORGE_LAUNCHER_ENV}, e.g. glibc's malloc
     * settings), which a native llama-quantize would not have either.
     */
    private static Timed timed(List<String> command, Path dir, String what, boolean asUserRunsIt)
            throws IOException, InterruptedException {
        Path usage = dir.resolve("usage.txt");
        Path log = dir.resolve("child.log");
        List<String> wrapped = new ArrayList<>(List.of(GNU_TIME.toString(), "-f", "%e %U %S %M", "-o", usage.toString()));
        wrapped.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(wrapped).redirectErrorStream(true).redirectOutput(log.toFile());
        if (asUserRunsIt) {
            String launcherSet = builder.environment().getOrDefault("QUANTFORGE_LAUNCHER_ENV", "");
            Arrays.stream(launcherSet.split(" ")).filter(name -> !name.isEmpty()).forEach(builder.environment()::remove);
        }
        Process process = builder.start();
        int exit = process.waitFor();
        List<String> lines = Files.readAllLines(log);
        if (exit != 0) {
            throw new IllegalStateException(what + " failed (exit " + exit + "): "
                    + String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size())));
        }
        List<String> usageLines = Files.readAllLines(usage);
        String[] figures = usageLines.get(usageLines.size() - 1).trim().split(" ");
        return new Timed(Double.parseDouble(figures[0]), Double.parseDouble(figures[1]) + Double.parseDouble(figures[2]),
                Double.parseDouble(figures[3]), lines.stream().filter(l -> l.startsWith("llama ")).reduce((a, b) -> b).orElse(""));
    }

    private static Usage median(List<Usage> usages) {
        return new Usage(median(usages.stream().mapToDouble(Usage::seconds).toArray()),
                median(usages.stream().mapToDouble(Usage::cpuSeconds).toArray()),
                median(usages.stream().mapToDouble(Usage::peakMb).toArray()));
    }

    private static double median(double[] values) {
        Arrays.sort(values);
        return values.length % 2 == 1 ? values[values.length / 2] : (values[values.length / 2 - 1] + values[values.length / 2]) / 2;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
