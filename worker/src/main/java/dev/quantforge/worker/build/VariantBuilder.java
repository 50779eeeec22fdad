package dev.quantforge.worker.build;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.gguf.GgufFile;
import dev.quantforge.engine.hf.HfModelSource;
import dev.quantforge.engine.hf.OutputType;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.plan.LlamaFileType;
import dev.quantforge.engine.plan.QuantizationPlan;
import dev.quantforge.engine.plan.QuantizationPlanner;
import dev.quantforge.engine.plan.QuantizeOptions;
import dev.quantforge.engine.plan.TensorDescriptor;
import dev.quantforge.engine.plan.TensorTypeOverride;
import dev.quantforge.engine.quantize.ModelQuantizer;
import dev.quantforge.engine.quantize.OutputMetadata;
import dev.quantforge.engine.quantize.QuantizeProgress;
import dev.quantforge.engine.quantize.QuantizeResult;
import dev.quantforge.engine.quantize.TensorJob;
import dev.quantforge.engine.quantize.TensorJobs;
import dev.quantforge.engine.quant.Quantizers;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Builds one GGUF variant from a downloaded source with the engine, the way {@code quantforge quantize}
 * does: a Hugging Face checkpoint is read as F32 straight from its safetensors (no full-size
 * intermediate file), planned with llama.cpp's mixture rules and the recipe's options, and written
 * tensor by tensor.
 */
public final class VariantBuilder {
    private final int engineThreads;

    public VariantBuilder(int engineThreads) {
        if (engineThreads < 1) {
            throw new IllegalArgumentException("engine threads must be at least 1, got " + engineThreads);
        }
        this.engineThreads = engineThreads;
    }

    /**
     * @param source    a checkpoint directory (HF) or a GGUF file
     * @param cancelled checked before each tensor; when true the build stops with a
     *                  {@link java.util.concurrent.CancellationException} and leaves no output
     */
    public BuiltVariant build(SourceFormat format, Path source, Recipe recipe, Path output, QuantizeProgress progress,
                              BooleanSupplier cancelled) {
        if (!Recipe.GGUF.equalsIgnoreCase(recipe.format())) {
            throw new InvalidInputException("recipe format '" + recipe.format() + "' is not supported by this worker; it builds "
                    + Recipe.GGUF);
        }
        LlamaFileType fileType = LlamaFileType.parse(recipe.ftype());
        QuantizeOptions options = options(recipe);
        long began = System.nanoTime();
        try (ModelSource model = open(format, source)) {
            refuseQuantized(model);
            List<TensorDescriptor> tensors = model.tensors().stream().map(TensorDescriptor::of).toList();
            QuantizationPlan plan = new QuantizationPlanner().plan(tensors, model.metadata(), fileType, options);
            requireWritable(plan, recipe);
            List<TensorJob> jobs = TensorJobs.of(model, plan.tensors(), null);
            boolean blockQuantized = plan.tensors().stream().anyMatch(t -> t.targetType().isQuantized());
            var metadata = OutputMetadata.of(model.metadata(), OptionalInt.of(plan.fileTypeId()), blockQuantized, null);
            long convertMillis = millisSince(began);
            QuantizeResult result = ModelQuantizer.withThreads(engineThreads).progress(progress).cancelWhen(cancelled)
                    .write(model.description(), metadata, jobs, output);
            return new BuiltVariant(result.output(), result.fileBytes(), PlanSummary.of(plan), convertMillis,
                    result.elapsed().toMillis());
        }
    }

    /** Fails before any work when the plan needs a type the engine cannot write, naming the first tensor that does. */
    private static void requireWritable(QuantizationPlan plan, Recipe recipe) {
        plan.tensors().stream()
                .filter(t -> !t.isCopied() && Quantizers.forType(t.targetType()).isEmpty())
                .findFirst()
                .ifPresent(t -> {
                    throw new InvalidInputException("recipe " + recipe.ftype() + " needs " + t.targetType().ggmlName()
                            + " (for " + t.name() + "), which this engine cannot write yet");
                });
    }

    private static ModelSource open(SourceFormat format, Path source) {
        return switch (format) {
            case HF -> HfModelSource.open(source, OutputType.F32);
            case GGUF -> GgufFile.open(source);
        };
    }

    /** Requantizing loses quality that the user cannot see in the result; the worker builds from full precision only. */
    private static void refuseQuantized(ModelSource model) {
        model.tensors().stream().filter(t -> t.type().isQuantized()).findFirst().ifPresent(t -> {
            throw new InvalidInputException(model.description() + " is already quantized (tensor " + t.name() + " is "
                    + t.type() + "); give an F32, F16 or BF16 source");
        });
    }

    private static QuantizeOptions options(Recipe recipe) {
        return new QuantizeOptions(recipe.pure(),
                type(recipe.outputTensorType(), "output tensor type"),
                type(recipe.tokenEmbeddingType(), "token embedding type"),
                recipe.leaveOutputTensor(),
                recipe.tensorTypes().stream().map(TensorTypeOverride::parse).toList(),
                Set.of());
    }

    private static GgmlType type(String name, String what) {
        if (name == null || name.isBlank()) {
            return null;
        }
        return GgmlType.byName(name).orElseThrow(() -> new InvalidInputException("recipe " + what + ": unknown ggml type " + name));
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }
}
