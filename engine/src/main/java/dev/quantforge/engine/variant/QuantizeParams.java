package dev.quantforge.engine.variant;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.imatrix.ImportanceMatrix;
import dev.quantforge.engine.plan.LlamaFileType;
import dev.quantforge.engine.plan.QuantizeOptions;
import dev.quantforge.engine.plan.TensorTypeOverride;
import dev.quantforge.engine.quantize.QuantizeProgress;

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
        if (!format.equals(GgufFormat.INSTANCE.name())) {
            throw new InvalidInputException("recipe format '" + recipe.format() + "' is not supported; known: "
                    + GgufFormat.INSTANCE.name());
        }
        QuantizeOptions options = new QuantizeOptions(recipe.pure(),
                ggmlType(recipe.outputTensorType(), "output tensor type"),
                ggmlType(recipe.tokenEmbeddingType(), "token embedding type"),
                recipe.leaveOutputTensor(),
                recipe.tensorTypes().stream().map(TensorTypeOverride::parse).toList(),
                Set.of());
        return GgufTarget.fileType(LlamaFileType.parse(recipe.ftype()), options);
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
