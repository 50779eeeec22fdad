package dev.quantforge.engine.variant;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.common.jobs.OnnxModelRecipes;
import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.imatrix.ImportanceMatrix;
import dev.quantforge.engine.mlx.AffineRounding;
import dev.quantforge.engine.mlx.MixedRecipe;
import dev.quantforge.engine.mlx.MlxDtype;
import dev.quantforge.engine.mlx.MlxMode;
import dev.quantforge.engine.mlx.MlxQuantization;
import dev.quantforge.engine.onnx.OnnxActivations;
import dev.quantforge.engine.onnx.OnnxExportOptions;
import dev.quantforge.engine.onnx.OnnxPrecision;
import dev.quantforge.engine.onnx.quantize.OnnxQuantizeOptions;
import dev.quantforge.engine.onnx.quantize.QdqSettings;
import dev.quantforge.engine.onnx.quantize.QuantType;
import dev.quantforge.engine.plan.LlamaFileType;
import dev.quantforge.engine.plan.QuantizeOptions;
import dev.quantforge.engine.plan.TensorTypeOverride;
import dev.quantforge.engine.quantize.QuantizeProgress;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
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
        if (format.equals(MlxFormat.INSTANCE.name())) {
            return mlxTarget(recipe);
        }
        if (format.equals(OnnxFormat.INSTANCE.name())) {
            return onnxTarget(recipe);
        }
        if (format.equals(OnnxModelFormat.INSTANCE.name())) {
            return onnxModelTarget(recipe);
        }
        if (!format.equals(GgufFormat.INSTANCE.name())) {
            throw new InvalidInputException("recipe format '" + recipe.format() + "' is not supported; known: "
                    + GgufFormat.INSTANCE.name() + ", " + MlxFormat.INSTANCE.name() + ", " + OnnxFormat.INSTANCE.name()
                    + ", " + OnnxModelFormat.INSTANCE.name());
        }
        QuantizeOptions options = new QuantizeOptions(recipe.pure(),
                ggmlType(recipe.outputTensorType(), "output tensor type"),
                ggmlType(recipe.tokenEmbeddingType(), "token embedding type"),
                recipe.leaveOutputTensor(),
                recipe.tensorTypes().stream().map(TensorTypeOverride::parse).toList(),
                Set.of());
        return GgufTarget.fileType(LlamaFileType.parse(recipe.ftype()), options);
    }

    /** The MLX settings a recipe may give, by name. */
    public static final Set<String> MLX_SETTINGS = Set.of("bits", "groupSize", "mode", "dtype", "recipe", "rounding");

    /**
     * An MLX recipe: {@code settings} may give bits, groupSize, mode (affine, mxfp4, nvfp4, mxfp8), dtype (float16,
     * bfloat16, float32), recipe (mixed_2_6, mixed_3_4, mixed_3_6, mixed_4_6) and rounding (metal, cpu); the ftype
     * may instead name the bits ({@code 4bit}), a mixed recipe or an fp mode, with the group size as a suffix
     * ({@code 4bit-g32}, as {@link MlxTarget#name()} and common's {@code MlxRecipes} spell it). Unset values are
     * mlx-lm's defaults.
     */
    static MlxTarget mlxTarget(Recipe recipe) {
        Map<String, String> settings = recipe.settings();
        for (String key : settings.keySet()) {
            if (!MLX_SETTINGS.contains(key)) {
                throw new InvalidInputException("unknown MLX setting '" + key + "'; known: " + new TreeSet<>(MLX_SETTINGS));
            }
        }
        String ftype = recipe.ftype().trim().toLowerCase(Locale.ROOT);
        String modeName = settings.get("mode");
        Integer bits = integer(settings.get("bits"), "bits");
        Integer groupSize = integer(settings.get("groupSize"), "groupSize");
        java.util.regex.Matcher grouped = java.util.regex.Pattern.compile("(.+)-g(\\d+)").matcher(ftype);
        if (grouped.matches()) { // 4bit-g32, mixed_3_6-g128: the group size in the name, as MlxTarget.name() gives it
            ftype = grouped.group(1);
            groupSize = groupSize != null ? groupSize : Integer.valueOf(grouped.group(2));
        }
        String recipeName = settings.get("recipe");
        if (ftype.matches("\\d+bit")) {
            bits = bits != null ? bits : Integer.valueOf(ftype.substring(0, ftype.length() - 3));
        } else if (ftype.startsWith("mixed_")) {
            recipeName = recipeName != null ? recipeName : ftype;
        } else if (!ftype.isEmpty() && !ftype.equals("default") && !ftype.equals("mlx")) {
            modeName = modeName != null ? modeName : ftype;
        }
        MlxMode mode = modeName == null ? MlxMode.AFFINE : MlxMode.parse(modeName);
        MlxQuantization quantization = MlxQuantization.of(mode, bits, groupSize);
        return new MlxTarget(quantization, recipeName == null ? null : MixedRecipe.parse(recipeName),
                settings.get("dtype") == null ? null : MlxDtype.parse(settings.get("dtype")),
                settings.get("rounding") == null ? AffineRounding.METAL : AffineRounding.parse(settings.get("rounding")));
    }

    private static Integer integer(String value, String what) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Integer.valueOf(value.trim());
        } catch (NumberFormatException e) {
            throw new InvalidInputException("MLX " + what + " must be a whole number, got " + value);
        }
    }

    /** ONNX settings a recipe may carry, beside the precision in {@code ftype}. */
    public static final Set<String> ONNX_SETTINGS = Set.of("blockSize", "symmetric", "accuracyLevel", "lmHead", "activations");

    /**
     * An ONNX recipe: the precision (fp32, fp16, int8, int4) in {@code ftype}; settings {@code blockSize}
     * (int4, default 32), {@code symmetric} (int4, default false), {@code accuracyLevel} (int4, 0..4, default 0),
     * {@code lmHead} ("quantize", the default, or "float") and {@code activations} (int8/int4: "fp32", the default,
     * or "fp16"). GGUF's tensor-type options do not apply.
     */
    private static OnnxTarget onnxTarget(Recipe recipe) {
        OnnxPrecision precision = OnnxPrecision.parse(recipe.ftype());
        if (recipe.hasGgufTensorOptions()) {
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
                .withBlockSize(onnxInteger(settings.get("blockSize"), OnnxExportOptions.DEFAULT_BLOCK_SIZE, "blockSize"))
                .withSymmetric(bool(settings.get("symmetric"), "symmetric"))
                .withAccuracyLevel(onnxInteger(settings.get("accuracyLevel"), 0, "accuracyLevel"));
        String lmHead = settings.getOrDefault("lmHead", "quantize").toLowerCase(Locale.ROOT);
        if (!lmHead.equals("quantize") && !lmHead.equals("float")) {
            throw new InvalidInputException("ONNX setting lmHead must be quantize or float, got '" + settings.get("lmHead") + "'");
        }
        OnnxActivations activations = settings.containsKey("activations")
                ? OnnxActivations.parse(settings.get("activations")) : OnnxActivations.FP32;
        return new OnnxTarget(options.withQuantizeLmHead(lmHead.equals("quantize")).withActivations(activations));
    }

    /**
     * An ONNX model recipe ({@link OnnxModelRecipes}: int8-dynamic or int8-static, perChannel, reduceRange,
     * calibration), checked and spelled by common's rules, as ORT's quantizer takes it; int4 MatMulNBits of a model
     * file is the CLI's only.
     */
    private static OnnxModelTarget onnxModelTarget(Recipe recipe) {
        Recipe canonical = OnnxModelRecipes.canonical(recipe.ftype(), recipe.settings());
        if (recipe.hasGgufTensorOptions()) {
            throw new InvalidInputException("an ONNX model target takes no GGUF tensor-type options; use its settings "
                    + new TreeSet<>(OnnxModelRecipes.SETTINGS));
        }
        var settings = canonical.settings();
        // int8-static in jobs quantizes MatMul only (ORT's op_types_to_quantize=["MatMul"]): the npu-qdq-int8 profile
        // and its gate were measured that way; ORT's whole QDQ op set costs BERT-style models far more agreement
        OnnxQuantizeOptions options = new OnnxQuantizeOptions(OnnxQuantizeOptions.Method.parse(canonical.ftype()),
                settings.containsKey("perChannel"), settings.containsKey("reduceRange"), List.of(), 32, null,
                OnnxQuantizeOptions.Calibration.parse(settings.getOrDefault("calibration", OnnxModelRecipes.DEFAULT_CALIBRATION)),
                QuantType.INT8, QdqSettings.MATMUL_ONLY);
        return new OnnxModelTarget(options);
    }

    private static int onnxInteger(String value, int absent, String key) {
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
    private static GgmlType ggmlType(String name, String what) {
        if (name == null || name.isBlank()) {
            return null;
        }
        return GgmlType.byName(name).orElseThrow(() ->
                new InvalidInputException(what + ": unknown ggml type " + name));
    }
}
