package dev.quantforge.engine.variant;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.mlx.DequantizedMlx;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.model.ModelSources;
import dev.quantforge.engine.onnx.OnnxExporter;
import dev.quantforge.engine.onnx.quantize.OnnxModelSource;
import dev.quantforge.engine.onnx.quantize.OnnxQuantizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The engine's one door for building a variant, shaped like llama.cpp's
 * {@code llama_model_quantize(in, out, params)}: the CLI, the worker and the local demo all build through
 * it, so a variant is the same whoever asks for it.
 */
public final class Variants {
    private Variants() {
    }

    /** What {@link #build} would write, without writing it ({@code --dry-run}). */
    public static VariantPlan plan(ModelSource source, QuantizeParams params) {
        if (source instanceof OnnxModelSource && !(params.target() instanceof OnnxModelTarget)) {
            // an ONNX graph has no GGUF-named tensors: any other format would plan an empty variant
            throw new InvalidInputException(source.description() + ": an ONNX model source is quantized by onnx-model "
                    + "targets only (int8-dynamic, int8-static), not " + params.target().format().name() + " "
                    + params.target().name());
        }
        return params.target().format().plan(source, params);
    }

    /** Plans and writes the variant of {@code source} that {@code params} describe to {@code output}. */
    public static BuiltVariant build(ModelSource source, Path output, QuantizeParams params) {
        long began = System.nanoTime();
        VariantPlan plan = plan(source, params);
        Duration planning = Duration.ofNanos(System.nanoTime() - began);
        return new BuiltVariant(plan, params.target().format().write(source, plan, output, params), planning);
    }

    /** The runtime that runs the variant at {@code path}, chosen by what the file is. */
    public static VariantRuntime runtimeFor(Path path) {
        if (!Files.isDirectory(path) && ModelSources.isGguf(path)) {
            return GgufFormat.INSTANCE.runtime();
        }
        if (OnnxQuantizer.isOnnxFile(path)) {
            return OnnxModelFormat.INSTANCE.runtime();
        }
        if (OnnxExporter.isOnnxDirectory(path)) {
            return OnnxFormat.INSTANCE.runtime();
        }
        if (DequantizedMlx.isMlxDirectory(path)) {
            return MlxFormat.INSTANCE.runtime();
        }
        if (Files.isDirectory(path)) {
            throw new InvalidInputException(path + ": not an ONNX variant directory (no model.onnx) and not an MLX model"
                    + " directory (config.json with a \"quantization\" block, and model.safetensors or its index);"
                    + " quantforge runs GGUF and ONNX model files and ONNX and MLX directories");
        }
        throw new InvalidInputException(path + ": not a GGUF file (no \"GGUF\" magic); quantforge runs GGUF files"
                + " and ONNX and MLX directories");
    }
}
