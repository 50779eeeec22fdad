package dev.quantforge.engine.variant;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.bench.OnnxModelBenchmark;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.onnx.quantize.OnnxModelSource;
import dev.quantforge.engine.onnx.quantize.OnnxQuantizeOptions;
import dev.quantforge.engine.onnx.quantize.OnnxQuantizer;
import dev.quantforge.engine.onnx.quantize.QuantizationPlan;
import dev.quantforge.engine.plan.PlanRow;
import dev.quantforge.engine.quantize.QuantizeResult;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.concurrent.CancellationException;

/**
 * A quantized ONNX model file ({@code .onnx}, external data beside it when the source had some), written by
 * {@link OnnxQuantizer} from an {@link OnnxModelSource}; benchmarked by {@link OnnxModelBenchmark} (output agreement
 * with the source and latency, on the bundled evaluation sentences or generated inputs: the LLM evaluation text the
 * runtime is handed does not apply). The plan's rows are the quantizer's candidate nodes; a node kept float carries
 * its reason, so unsupported ops reach the manifest's fallbacks.
 */
final class OnnxModelFormat implements TargetFormat {
    static final OnnxModelFormat INSTANCE = new OnnxModelFormat();
    /** int8-static's calibration text when a recipe names none: 16 sentences shared with no evaluation set. */
    static final String BUNDLED_CALIBRATION = "/dev/quantforge/engine/bench/onnx-calibration-sentences.txt";

    private OnnxModelFormat() {
    }

    @Override
    public String name() {
        return "onnx-model";
    }

    @Override
    public String fileExtension() {
        return ".onnx";
    }

    /** A candidate node as a plan row: the node, its op, what it becomes (or why it stays float). */
    record NodeRow(String name, String sourceTypeName, String targetTypeName, String reason, boolean quantized)
            implements PlanRow {
        @Override
        public long[] shape() {
            return new long[0];
        }

        @Override
        public long elementCount() {
            return 0;
        }

        @Override
        public long byteSize() {
            return 0;
        }
    }

    @Override
    public VariantPlan plan(ModelSource source, QuantizeParams params) {
        OnnxModelTarget target = (OnnxModelTarget) params.target();
        Path model = model(source);
        OnnxQuantizeOptions options = target.options();
        if (options.method() == OnnxQuantizeOptions.Method.INT8_STATIC) {
            // the static quantizer's own plan needs its calibration run (done once, by write); jobs quantize MatMul
            // only, and the dynamic plan lists the MatMuls: those with constant B get int8 weights, the others (two
            // activations, which QDQ quantizes and MatMulInteger does not) activation pairs only
            QuantizationPlan dynamic = OnnxQuantizer.plan(model,
                    OnnxQuantizeOptions.int8Dynamic(options.perChannel(), options.reduceRange()).excluding(options.exclude()));
            String activations = "QDQ (int8 activations, " + options.calibration().name().toLowerCase(Locale.ROOT);
            String qdq = activations + "; int8 weights" + (options.perChannel() ? " per channel" : "")
                    + (options.reduceRange() && options.perChannel() ? ", 7-bit" : "") + ")";
            return rows(target, new QuantizationPlan(options.precision(), dynamic.entries().stream()
                    .filter(e -> e.opType().equals("MatMul"))
                    .map(e -> e.action() == QuantizationPlan.Action.QUANTIZED
                            ? new QuantizationPlan.Entry(e.node(), e.opType(), e.action(), qdq)
                            : e.detail().startsWith("B is not a constant")
                            ? new QuantizationPlan.Entry(e.node(), e.opType(), QuantizationPlan.Action.QUANTIZED, activations + ")")
                            : e)
                    .toList()));
        }
        return rows(target, OnnxQuantizer.plan(model, target.options()));
    }

    private static VariantPlan rows(OnnxModelTarget target, QuantizationPlan plan) {
        List<NodeRow> rows = plan.entries().stream().map(e -> new NodeRow(e.node(), e.opType(),
                e.action() == QuantizationPlan.Action.QUANTIZED ? e.detail() : e.opType() + " (float)",
                e.action() == QuantizationPlan.Action.QUANTIZED ? null : e.detail(),
                e.action() == QuantizationPlan.Action.QUANTIZED)).toList();
        return new VariantPlan(target, rows, OptionalInt.empty());
    }

    @Override
    public QuantizeResult write(ModelSource source, VariantPlan plan, Path output, QuantizeParams params) {
        OnnxQuantizeOptions options = ((OnnxModelTarget) params.target()).options();
        if (params.cancelled().getAsBoolean()) {
            throw new CancellationException("build cancelled before quantizing " + source.description());
        }
        long began = System.nanoTime();
        Path calibration = null;
        try {
            if (options.method() == OnnxQuantizeOptions.Method.INT8_STATIC && options.calibrationData() == null) {
                calibration = bundledCalibration();
                options = options.withCalibration(calibration, options.calibration());
            }
            OnnxQuantizer.Result result = OnnxQuantizer.quantize(model(source), output, options);
            long quantized = result.plan().count(QuantizationPlan.Action.QUANTIZED);
            QuantizeResult written = new QuantizeResult(result.model(), result.totalBytes(), result.totalBytes(), 0,
                    (int) quantized, Duration.ofNanos(System.nanoTime() - began));
            params.progress().finished(written);
            return written;
        } finally {
            if (calibration != null) {
                try {
                    Files.deleteIfExists(calibration);
                } catch (IOException e) {
                    // a temporary file
                }
            }
        }
    }

    @Override
    public VariantRuntime runtime() {
        return (variant, source, sourceBytes, paragraphs, reference, options, progress, cancelled) ->
                OnnxModelBenchmark.run(variant, source == null ? null : model(source), null, options, progress, cancelled);
    }

    private static Path model(ModelSource source) {
        if (source instanceof OnnxModelSource onnx) {
            return onnx.path();
        }
        throw new InvalidInputException(source.description() + ": an onnx-model target quantizes an ONNX model file "
                + "(source format onnx), not this source");
    }

    private static Path bundledCalibration() {
        try (InputStream in = OnnxModelFormat.class.getResourceAsStream(BUNDLED_CALIBRATION)) {
            if (in == null) {
                throw new IllegalStateException(BUNDLED_CALIBRATION + " is missing from the engine jar");
            }
            Path file = Files.createTempFile("quantforge-calibration-", ".txt");
            Files.write(file, in.readAllBytes());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
