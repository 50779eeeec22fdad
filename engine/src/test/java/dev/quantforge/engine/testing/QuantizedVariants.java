package dev.quantforge.engine.testing;

import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.hf.HfConverter;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.model.ModelSources;
import dev.quantforge.engine.quantize.ModelQuantizer;
import dev.quantforge.engine.quantize.QuantizeResult;
import dev.quantforge.engine.variant.QuantizeParams;
import dev.quantforge.engine.variant.Variants;

import java.nio.file.Path;

/**
 * Variants of a Hugging Face checkpoint made by quantforge's own pipeline, the way
 * {@code quantforge quantize DIR OUT FTYPE} makes them: an F32 GGUF as the source, and one file per
 * llama.cpp file type.
 */
public final class QuantizedVariants {
    private QuantizedVariants() {
    }

    /** The checkpoint converted to an F32 GGUF (the source the variants are measured against). */
    public static QuantizeResult f32(Path checkpoint, Path output) {
        return HfConverter.convert(checkpoint, output, GgmlType.F32, ModelQuantizer.withThreads(threads()));
    }

    /** The checkpoint quantized to {@code fileType} (e.g. "Q4_K_M") with the default options, no imatrix. */
    public static QuantizeResult quantize(Path checkpoint, String fileType, Path output) {
        try (ModelSource source = ModelSources.open(checkpoint)) {
            return Variants.build(source, output, QuantizeParams.of(Recipe.gguf(fileType), threads())).written();
        }
    }

    private static int threads() {
        return Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));
    }
}
