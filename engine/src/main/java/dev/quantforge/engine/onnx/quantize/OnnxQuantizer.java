package dev.quantforge.engine.onnx.quantize;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.EngineVersion;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Quantizes any ONNX model file: reads it (graph and initializers; external data tensor by tensor), rewrites the
 * graph as {@link OnnxQuantizeOptions} says, and writes {@code OUT.onnx} (and {@code OUT.onnx.data} when the source
 * had external data) through temporary siblings, so a failure leaves no output behind.
 */
public final class OnnxQuantizer {
    /** DynamicQuantizeLinear is an opset 11 op; ORT's quantizer rewrites older opsets, quantforge refuses them. */
    static final long MIN_OPSET = 11;

    /** What was written and the plan that made it. */
    public record Result(QuantizationPlan plan, Path model, long modelBytes, Path data, long dataBytes) {
        public long totalBytes() {
            return modelBytes + dataBytes;
        }

        public String summary() {
            return String.format(Locale.ROOT, "wrote %s (%,d bytes%s)", model, modelBytes,
                    data == null ? "" : String.format(Locale.ROOT, " + %s %,d bytes", data.getFileName(), dataBytes));
        }
    }

    private OnnxQuantizer() {
    }

    /** True for a path named like an ONNX model file: what the CLI dispatches on. */
    public static boolean isOnnxFile(Path path) {
        return path.getFileName() != null && path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")
                && !Files.isDirectory(path);
    }

    /** The plan only: what {@link #quantize} would do, computed the same way, nothing written. */
    public static QuantizationPlan plan(Path in, OnnxQuantizeOptions options) {
        return rewrite(OnnxModelFile.read(in), options).plan();
    }

    public static Result quantize(Path in, Path out, OnnxQuantizeOptions options) {
        if (in.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) {
            throw new InvalidInputException(out + ": the output must not overwrite the input");
        }
        OnnxModelFile model = OnnxModelFile.read(in);
        QuantizedGraph graph = rewrite(model, options);
        if (graph.plan().count(QuantizationPlan.Action.QUANTIZED) == 0) {
            throw new InvalidInputException(in + ": nothing to quantize with " + options.method().cliName()
                    + " (" + graph.plan().entries().size() + " candidate nodes, none quantizable)");
        }
        OnnxModelWriter.Written written = new OnnxModelWriter(model, EngineVersion.get()).write(graph, out);
        return new Result(graph.plan(), written.model(), written.modelBytes(), written.data(), written.dataBytes());
    }

    private static QuantizedGraph rewrite(OnnxModelFile model, OnnxQuantizeOptions options) {
        long opset = model.opsets().getOrDefault("", 0L);
        if (opset < MIN_OPSET) {
            throw new InvalidInputException(model.path() + ": opset " + opset + " is older than " + MIN_OPSET
                    + ", which DynamicQuantizeLinear and MatMulNBits' graphs need; convert the model to opset "
                    + MIN_OPSET + " or newer first");
        }
        return switch (options.method()) {
            case INT8_DYNAMIC -> new DynamicInt8Quantizer(model, options).quantize();
            case INT4 -> new Int4MatMulQuantizer(model, options).quantize();
            case INT8_STATIC -> {
                if (options.calibrationData() == null) {
                    throw new InvalidInputException("int8-static needs calibration data (--calibration-data FILE: a .npz of "
                            + "the model's input tensors, or text, one example per line, for a text model); without it the "
                            + "activations' ranges are unknown");
                }
                Calibrator.Measured measured = Calibrator.ranges(model, QdqSelection.candidates(model, options),
                        options.calibrationData(), options.calibration());
                QuantizedGraph graph = new StaticQdqQuantizer(model, options).quantize(measured.ranges());
                // per-channel QuantizeLinear/DequantizeLinear (an axis) are opset 13 ops: upgrade where mechanical
                yield options.perChannel() && opset < OpsetUpgrade.TARGET
                        ? OpsetUpgrade.to13(model, graph, measured.ranks()) : graph;
            }
        };
    }
}
