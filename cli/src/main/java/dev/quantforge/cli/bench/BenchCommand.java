package dev.quantforge.cli.bench;

import dev.quantforge.cli.console.ConsolePercent;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.bench.BenchmarkReport;
import dev.quantforge.engine.bench.OnnxModelBenchmark;
import dev.quantforge.engine.bench.ReferenceLogits;
import dev.quantforge.engine.bench.VariantBenchmark;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.model.ModelSources;
import dev.quantforge.engine.onnx.quantize.OnnxQuantizer;
import dev.quantforge.engine.runtime.EvalText;
import dev.quantforge.engine.variant.VariantRuntime;
import dev.quantforge.engine.variant.Variants;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

@Command(name = "bench",
        description = {"Benchmark a variant: size, per-tensor error and quality (perplexity, KL divergence) against its source,",
                "and prompt/generation speed on llama.cpp. Prints a table, or benchmark.json with --json (docs/benchmark.md).",
                "An MLX directory runs on llama.cpp as its weights dequantized to F32; its speed is not measured (needs Apple Silicon).",
                "An ONNX model file (an embedder, a classifier) runs on ONNX Runtime: output agreement with --reference IN.onnx and",
                "latency per inference at 1 thread and at --threads; --text is then one sentence per line (a text model's inputs)."})
public final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "VARIANT", description = "the quantized variant to measure: a GGUF file, an ONNX or MLX directory, or an ONNX model file (.onnx)")
    Path variant;

    @Option(names = "--reference", paramLabel = "SOURCE",
            description = "the source model (GGUF file or Hugging Face directory); without it only size and speed are measured")
    Path reference;

    @Option(names = "--text", paramLabel = "FILE", description = "evaluation text, paragraphs separated by blank lines (default: the bundled eval.txt)")
    Path text;

    @Option(names = "--json", description = "print benchmark.json instead of the table")
    boolean json;

    @Option(names = "--threads", paramLabel = "N", description = "CPU threads for llama.cpp (default: all cores)")
    Integer threads;

    @Option(names = "--prompt-tokens", paramLabel = "N", defaultValue = "128", description = "prompt processing run length (default: ${DEFAULT-VALUE})")
    int promptTokens;

    @Option(names = "--gen-tokens", paramLabel = "N", defaultValue = "64", description = "generation run length (default: ${DEFAULT-VALUE})")
    int generationTokens;

    @Option(names = "--repetitions", paramLabel = "N", defaultValue = "3", description = "measured speed runs after one warm-up (default: ${DEFAULT-VALUE})")
    int repetitions;

    @Option(names = "--no-speed", description = "skip the speed runs")
    boolean noSpeed;

    @Option(names = "--no-quality", description = "skip perplexity and KL divergence (no reference logits)")
    boolean noQuality;

    @Option(names = "--progress", description = "show progress on stderr even when it is not a terminal")
    boolean progress;

    @Option(names = "--reference-cache", paramLabel = "FILE",
            description = "reuse the source's reference logits from FILE if it holds them for this text, else compute and write them there")
    Path referenceCache;

    @Override
    public Integer call() {
        return bench();
    }

    private int bench() {
        if (!Files.exists(variant)) {
            throw new InvalidInputException(variant + ": no such file (a GGUF file, or an ONNX or MLX variant directory)");
        }
        if (reference != null && !Files.exists(reference)) {
            throw new InvalidInputException(reference + ": no such file or directory");
        }
        int threadCount = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        VariantBenchmark.Options options = new VariantBenchmark.Options(threadCount, promptTokens, generationTokens,
                1, repetitions, !noSpeed);
        if (OnnxQuantizer.isOnnxFile(variant)) {
            List<String> sentences = text == null ? null : OnnxModelBenchmark.sentences(text);
            return print(OnnxModelBenchmark.run(variant, reference, sentences, options, benchmarkProgress(), () -> false));
        }
        List<String> paragraphs = text != null ? EvalText.read(text) : EvalText.paragraphs(EvalText.bundledDefault());
        VariantRuntime runtime = Variants.runtimeFor(variant);
        BenchmarkReport report;
        if (reference == null) {
            report = runtime.benchmark(variant, null, 0, paragraphs, null, options, benchmarkProgress(), () -> false);
        } else {
            ReferenceLogits logits = noQuality ? null : referenceLogits(paragraphs, threadCount);
            try (ModelSource source = ModelSources.open(reference)) {
                report = runtime.benchmark(variant, source, VariantBenchmark.bytesOnDisk(reference), paragraphs, logits,
                        options, benchmarkProgress(), () -> false);
            }
        }
        return print(report);
    }

    private int print(BenchmarkReport report) {
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? new String(report.toJson(), StandardCharsets.UTF_8) + System.lineSeparator() : report.table());
        out.flush();
        return 0;
    }

    /** From the cache when it holds this text's logits, else computed on the source and cached if asked. */
    private ReferenceLogits referenceLogits(List<String> paragraphs, int threadCount) {
        if (referenceCache != null && Files.isRegularFile(referenceCache)) {
            ReferenceLogits cached;
            try (InputStream in = Files.newInputStream(referenceCache)) {
                cached = ReferenceLogits.read(in);
            } catch (IOException e) {
                throw new InvalidInputException(referenceCache + ": cannot read: " + e.getMessage());
            }
            if (cached.textSha256().equals(ReferenceLogits.sha256(paragraphs))) {
                return cached;
            }
            spec.commandLine().getErr().println("quantforge: " + referenceCache
                    + " holds reference logits of another text; computing them again");
        }
        Path scratch = tempDirectory();
        try {
            if (progress || System.console() != null) {
                System.err.println("computing the source's reference logits (once per source and text)…");
            }
            ReferenceLogits computed = VariantBenchmark.referenceLogits(reference, VariantBenchmark.bytesOnDisk(reference),
                    paragraphs, threadCount, scratch);
            if (referenceCache != null) {
                write(computed, referenceCache);
            }
            return computed;
        } finally {
            deleteRecursively(scratch);
        }
    }

    /** Written beside the target first, so a failed run never leaves half a cache file behind. */
    private static void write(ReferenceLogits logits, Path target) {
        try {
            Path dir = target.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path temp = dir.resolve("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
            try (OutputStream out = Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                logits.write(out);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(temp);
                throw e;
            }
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new InvalidInputException(target + ": cannot write the reference cache: " + e.getMessage());
        }
    }

    private static Path tempDirectory() {
        try {
            return Files.createTempDirectory("quantforge-bench");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a scratch directory: " + e.getMessage(), e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a scratch file left in the temp directory is harmless; the benchmark itself succeeded
        }
    }

    private VariantBenchmark.Progress benchmarkProgress() {
        return ConsolePercent.forConsole("benchmark", progress);
    }
}
