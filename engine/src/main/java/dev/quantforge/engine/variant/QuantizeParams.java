package dev.quantforge.engine.variant;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.imatrix.ImportanceMatrix;
import dev.quantforge.engine.plan.LlamaFileType;
import dev.quantforge.engine.plan.QuantizeOptions;
import dev.quantforge.engine.plan.TensorTypeOverride;
import dev.quantforge.engine.quantize.QuantizeProgress;

import dev.quantforge.engine.onnx.OnnxExportOptions;
import dev.quantforge.engine.onnx.OnnxPrecision;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Everything a build needs besides its input and output, as llama.cpp's {@code llama_model_quantize_params}.
 *
 * @param imatrix         importance weights, or null for none
 * @param allowRequantize accept a source that is already quantized (it is decoded to F32 first)
 * @param cancelled       checked before each tensor; when true the build stops and leaves no output
 */
public record QuantizeParams(Target target, ImportanceMatrix imatrix, boolean allowRequantize, int threads,
                             QuantizeProgress progress, BooleanSupplier cancelled) {

    public QuantizeParams {
        Objects.requireNonNull(target, "target");
        if (threads < 1) {
            throw new InvalidInputException("threads must be at least 1, got " + threads);
        }
        progress = progress == null ? QuantizeProgress.NONE : progress;
        cancelled = cancelled == null ? () -> false : cancelled;
    }

    public static QuantizeParams of(Target target, int threads) {
        return new QuantizeParams(target, null, false, threads, QuantizeProgress.NONE, () -> false);
    }

    /** A job's recipe, mapped the same way for the CLI and the worker. */
    public static QuantizeParams of(Recipe recipe, int threads) {
        return of(target(recipe), threads);
    }

    public QuantizeParams withImatrix(ImportanceMatrix value) {
        return new QuantizeParams(target, value, allowRequantize, threads, progress, cancelled);
    }

    public QuantizeParams withAllowRequantize(boolean value) {
        return new QuantizeParams(target, imatrix, value, threads, progress, cancelled);
    }

    public QuantizeParams withProgress(QuantizeProgress value) {
        return new QuantizeParams(target, imatrix, allowRequantize, threads, value, cancelled);
    }

    public QuantizeParams cancelWhen(BooleanSupplier value) {
        return new QuantizeParams(target, imatrix, allowRequantize, threads, progress, value);
    }

    /** The target a recipe names; an unknown format, file type or ggml type is the user's error. */
    public static Target target(Recipe recipe) {
        String format = recipe.format().toLowerCase(Locale.ROOT);
        if (format.equals(OnnxFormat.INSTANCE.name())) {
            return onnxTarget(recipe);
        }
        if (!format.equals(GgufFormat.INSTANCE.name())) {
            throw new InvalidInputException("recipe format '" + recipe.format() + "' is not supported; known: "
                    + GgufFormat.INSTANCE.name() + ", " + OnnxFormat.INSTANCE.name());
        }
        QuantizeOptions options = new QuantizeOptions(recipe.pure(),
                ggmlType(recipe.outputTensorType(), "output tensor type"),
                ggmlType(recipe.tokenEmbeddingType(), "token embedding type"),
                recipe.leaveOutputTensor(),
                recipe.tensorTypes().stream().map(TensorTypeOverride::parse).toList(),
                Set.of());
        return GgufTarget.fileType(LlamaFileType.parse(recipe.ftype()), options);
    }

    /** ONNX settings a recipe may carry, beside the precision in {@code ftype}. */
    public static final Set<String> ONNX_SETTINGS = Set.of("blockSize", "symmetric", "accuracyLevel", "lmHead");

    /**
     * An ONNX recipe: the precision (fp32, fp16, int8, int4) in {@code ftype}; settings {@code blockSize}
     * (int4, default 32), {@code symmetric} (int4, default false), {@code accuracyLevel} (int4, 0..4, default 0)
     * and {@code lmHead} ("quantize", the default, or "float"). GGUF's tensor-type options do not apply.
     */
    private static OnnxTarget onnxTarget(Recipe recipe) {
        OnnxPrecision precision = OnnxPrecision.parse(recipe.ftype());
        if (recipe.pure() || recipe.outputTensorType() != null || recipe.tokenEmbeddingType() != null
                || recipe.leaveOutputTensor() || !recipe.tensorTypes().isEmpty()) {
            throw new InvalidInputException("an ONNX target takes no GGUF tensor-type options (pure, output/token-embedding "
                    + "type, leave-output-tensor, tensor types); use its settings " + new java.util.TreeSet<>(ONNX_SETTINGS));
        }
        for (String key : recipe.settings().keySet()) {
            if (!ONNX_SETTINGS.contains(key)) {
                throw new InvalidInputException("unknown ONNX setting '" + key + "'; known: " + new java.util.TreeSet<>(ONNX_SETTINGS));
            }
        }
        var settings = recipe.settings();
        if (precision != OnnxPrecision.INT4) {
            for (String key : List.of("blockSize", "symmetric", "accuracyLevel")) {
                if (settings.containsKey(key)) {
                    throw new InvalidInputException("ONNX setting " + key + " applies to int4 only, not " + precision.label());
                }
            }
        }
        OnnxExportOptions options = OnnxExportOptions.of(precision)
                .withBlockSize(integer(settings.get("blockSize"), OnnxExportOptions.DEFAULT_BLOCK_SIZE, "blockSize"))
                .withSymmetric(bool(settings.get("symmetric"), "symmetric"))
                .withAccuracyLevel(integer(settings.get("accuracyLevel"), 0, "accuracyLevel"));
        String lmHead = settings.getOrDefault("lmHead", "quantize").toLowerCase(Locale.ROOT);
        if (!lmHead.equals("quantize") && !lmHead.equals("float")) {
            throw new InvalidInputException("ONNX setting lmHead must be quantize or float, got '" + settings.get("lmHead") + "'");
        }
        return new OnnxTarget(options.withQuantizeLmHead(lmHead.equals("quantize")));
    }

    private static int integer(String value, int absent, String key) {
        if (value == null || value.isBlank()) {
            return absent;
        }
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new InvalidInputException("ONNX setting " + key + " must be an integer, got '" + value + "'");
        }
    }

    private static boolean bool(String value, String key) {
        if (value == null || value.isBlank()) {
            return false;
        }
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new InvalidInputException("ONNX setting " + key + " must be true or false, got '" + value + "'");
        };
    }

    /** A ggml type a user names, or null when none is named. */
    public static GgmlType ggmlType(String name, String what) {
        if (name == null || name.isBlank()) {
            return null;
        }
        return GgmlType.byName(name).orElseThrow(() ->
                new InvalidInputException(what + ": unknown ggml type " + name));
    }
}
