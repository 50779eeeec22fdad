package dev.quantforge.worker.build;

import dev.quantforge.common.jobs.ResultLayout;
import dev.quantforge.common.messages.TaskMessage;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.model.ModelSources;
import dev.quantforge.engine.quantize.QuantizeProgress;
import dev.quantforge.engine.variant.BuiltVariant;
import dev.quantforge.engine.variant.QuantizeParams;
import dev.quantforge.engine.variant.Variants;

import java.nio.file.Path;
import java.util.function.BooleanSupplier;

/**
 * The build stage: the task's recipe through the engine's one door, as {@code quantforge quantize} does
 * it. A Hugging Face checkpoint is read as F32 straight from its safetensors (no full-size intermediate
 * file) and the variant is written tensor by tensor.
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
     * @param source    the downloaded checkpoint directory (HF) or GGUF file
     * @param outDir    where the variant's file goes, named by {@link ResultLayout#modelFile}
     * @param cancelled checked before each tensor; when true the build stops with a
     *                  {@link java.util.concurrent.CancellationException} and leaves no output
     */
    public BuiltVariant build(TaskMessage task, Path source, Path outDir, QuantizeProgress progress,
                              BooleanSupplier cancelled) {
        QuantizeParams params = QuantizeParams.of(task.recipe(), engineThreads).withProgress(progress).cancelWhen(cancelled);
        Path output = outDir.resolve(ResultLayout.modelFile(task.modelName(), task.variant(),
                params.target().format().fileExtension()));
        try (ModelSource model = ModelSources.open(task.sourceFormat(), source)) {
            return Variants.build(model, output, params);
        }
    }
}
