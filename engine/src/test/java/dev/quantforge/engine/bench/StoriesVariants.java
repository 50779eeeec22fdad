package dev.quantforge.engine.bench;

import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.hf.HfConverter;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.model.ModelSources;
import dev.quantforge.engine.quantize.ModelQuantizer;
import dev.quantforge.engine.testing.Models;
import dev.quantforge.engine.variant.QuantizeParams;
import dev.quantforge.engine.variant.Variants;

import java.nio.file.Path;

/** stories260K as an F32 GGUF source and variants of it, made the way {@code quantforge quantize} makes them. */
final class StoriesVariants {
    private StoriesVariants() {
    }

    static Path f32Source(Path dir) {
        Path output = dir.resolve("stories260K-F32.gguf");
        HfConverter.convert(Models.stories260K(), output, GgmlType.F32, ModelQuantizer.withThreads(1));
        return output;
    }

    static Path variant(Path dir, String fileType) {
        Path output = dir.resolve("stories260K-" + fileType + ".gguf");
        try (ModelSource source = ModelSources.open(Models.stories260K())) {
            Variants.build(source, output, QuantizeParams.of(Recipe.gguf(fileType), 1));
        }
        return output;
    }
}
