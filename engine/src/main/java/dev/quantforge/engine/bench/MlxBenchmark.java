package dev.quantforge.engine.bench;

import dev.quantforge.engine.hf.HfConverter;
import dev.quantforge.engine.hf.HfModelSource;
import dev.quantforge.engine.hf.OutputType;
import dev.quantforge.engine.mlx.DequantizedMlx;
import dev.quantforge.engine.mlx.MlxMode;
import dev.quantforge.engine.mlx.MlxQuantization;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.quantize.ModelQuantizer;
import dev.quantforge.engine.quantize.QuantizeProgress;
import dev.quantforge.engine.safetensors.SafetensorsCheckpoint;
import dev.quantforge.engine.safetensors.SafetensorsTensorInfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The benchmark of an MLX variant without Apple hardware: its weights dequantized exactly as MLX dequantizes them
 * ({@link DequantizedMlx}), converted on the fly to an F32 GGUF (the converter reads the dequantized tensors under
 * their Hugging Face names, tensor by tensor, into a scratch file beside the variant, deleted after), and that GGUF
 * measured by {@link VariantBenchmark} against the source's reference logits, so MLX and GGUF figures compare side
 * by side. Size and bits per weight are the MLX files' own; speed is not measured (it needs MLX on Apple Silicon),
 * and the report says so.
 */
public final class MlxBenchmark {
    /** Share of the progress bar the dequantization takes. */
    private static final double DEQUANTIZE_SHARE = 0.3;
    public static final String WEIGHTS = "weights dequantized to F32 exactly as MLX dequantizes them";

    private MlxBenchmark() {
    }

    /** As {@link VariantBenchmark#run}, for an MLX directory; the options' speed runs are not made. */
    public static BenchmarkReport run(Path variant, ModelSource source, long sourceBytes, List<String> paragraphs,
                                      ReferenceLogits reference, VariantBenchmark.Options options,
                                      VariantBenchmark.Progress progress, BooleanSupplier cancelled) {
        long started = System.nanoTime();
        String name = variant.toAbsolutePath().normalize().getFileName().toString();
        BenchmarkReport.Size size;
        String fileType;
        try (DequantizedMlx mlx = DequantizedMlx.open(variant)) {
            size = size(mlx, sourceBytes);
            fileType = fileType(mlx);
        }
        boolean needsRuntime = source != null || reference != null;
        if (!needsRuntime) {
            progress.update(1);
            return new BenchmarkReport(BenchmarkReport.SCHEMA_VERSION, new BenchmarkReport.Variant(name, fileType, null),
                    new BenchmarkReport.Source(null, sourceBytes), size, null, null, null, MachineInfo.current(null),
                    new BenchmarkReport.Timings(0, 0, 0, 0, millisSince(started)), runtime());
        }
        Path scratch = scratchBeside(variant);
        try {
            long t0 = System.nanoTime();
            Path gguf = scratch.resolve(name + "-dequantized-F32.gguf");
            try (HfModelSource dequantized = HfModelSource.open(variant, DequantizedMlx::open, OutputType.F32)) {
                HfConverter.write(dequantized, gguf, ModelQuantizer.withThreads(options.threads()).cancelWhen(cancelled)
                        .progress(new QuantizeProgress() {
                            @Override
                            public void bytesProcessed(long done, long total) {
                                progress.update(DEQUANTIZE_SHARE * done / Math.max(1, total));
                            }
                        }));
            }
            double dequantizeMs = millisSince(t0);
            if (cancelled.getAsBoolean()) {
                throw new CancellationException("benchmark cancelled after dequantizing " + name);
            }
            VariantBenchmark.Options qualityOnly = new VariantBenchmark.Options(options.threads(), options.promptTokens(),
                    options.generationTokens(), options.warmups(), options.repetitions(), false);
            BenchmarkReport measured = VariantBenchmark.run(gguf, source, sourceBytes, paragraphs, reference, qualityOnly,
                    f -> progress.update(DEQUANTIZE_SHARE + (1 - DEQUANTIZE_SHARE) * f), cancelled);
            BenchmarkReport.Timings t = measured.timings();
            BenchmarkReport report = new BenchmarkReport(BenchmarkReport.SCHEMA_VERSION,
                    new BenchmarkReport.Variant(name, fileType, measured.variant().description()),
                    measured.source(), size, measured.tensorErrors(), measured.quality(), null, measured.machine(),
                    new BenchmarkReport.Timings(dequantizeMs + t.loadMilliseconds(), t.tensorErrorsMilliseconds(),
                            t.qualityMilliseconds(), 0, millisSince(started)),
                    runtime());
            progress.update(1);
            return report;
        } finally {
            deleteTree(scratch);
        }
    }

    private static BenchmarkReport.RuntimeInfo runtime() {
        return new BenchmarkReport.RuntimeInfo("llama.cpp", WEIGHTS, BenchmarkReport.SPEED_NEEDS_APPLE_SILICON);
    }

    /**
     * The MLX files' own size: bytes of its safetensors files, bytes of every stored tensor (packed weights,
     * scales and biases included) and the weights they stand for (a quantized matrix counts its logical elements),
     * so bits per weight is what mlx-lm reports; tensors are counted by quantization ({@code affine q4 g64}) or dtype.
     */
    static BenchmarkReport.Size size(DequantizedMlx mlx, long sourceBytes) {
        SafetensorsCheckpoint stored = mlx.stored();
        long tensorBytes = 0;
        for (String n : stored.names()) {
            tensorBytes += stored.info(n).orElseThrow().byteSize();
        }
        long parameters = 0;
        Map<String, Integer> byType = new TreeMap<>();
        for (String n : mlx.names()) {
            DequantizedMlx.QuantizedWeight q = mlx.quantizedWeights().get(n);
            if (q != null) {
                parameters += q.rows() * q.columns();
                byType.merge(q.quantization().label(), 1, Integer::sum);
            } else {
                SafetensorsTensorInfo info = stored.info(n).orElseThrow();
                parameters += info.elementCount();
                byType.merge(info.dtype().name().toLowerCase(Locale.ROOT), 1, Integer::sum);
            }
        }
        long bytes = VariantBenchmark.bytesOnDisk(mlx.directory());
        return new BenchmarkReport.Size(bytes, tensorBytes, parameters,
                parameters == 0 ? 0 : tensorBytes * 8.0 / parameters, sourceBytes > 0 ? (double) sourceBytes / bytes : 0,
                byType);
    }

    /**
     * The variant's name as quantforge names MLX targets: {@code 4bit}, {@code 4bit-g32}, {@code mixed_3_6} (two bit
     * widths), {@code mxfp4}; {@code unquantized} when nothing is quantized.
     */
    static String fileType(DequantizedMlx mlx) {
        Set<MlxQuantization> all = new TreeSet<>(Comparator.comparing(MlxQuantization::label));
        mlx.quantizedWeights().values().forEach(q -> all.add(q.quantization()));
        if (all.isEmpty()) {
            return "unquantized";
        }
        MlxQuantization first = all.iterator().next();
        MlxMode mode = first.mode();
        Set<Integer> groups = all.stream().map(MlxQuantization::groupSize).collect(Collectors.toSet());
        String group = groups.size() == 1 && first.groupSize() != mode.defaultGroupSize() ? "-g" + first.groupSize() : "";
        if (all.size() == 1) {
            return (mode == MlxMode.AFFINE ? first.bits() + "bit" : mode.mlxName()) + group;
        }
        int low = all.stream().mapToInt(MlxQuantization::bits).min().orElseThrow();
        int high = all.stream().mapToInt(MlxQuantization::bits).max().orElseThrow();
        return "mixed_" + low + "_" + high + group;
    }

    private static Path scratchBeside(Path variant) {
        Path parent = variant.toAbsolutePath().normalize().getParent();
        try {
            return Files.createTempDirectory(parent, "." + variant.getFileName() + ".dequantized-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a scratch directory beside " + variant + ": " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // a scratch file left behind costs disk, not correctness
                }
            });
        } catch (IOException ignored) {
            // nothing left to delete
        }
    }

    private static double millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }
}
