package dev.quantforge.engine.bench;

import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.hf.HfConverter;
import dev.quantforge.engine.hf.HfModelSource;
import dev.quantforge.engine.hf.OutputType;
import dev.quantforge.engine.plan.LlamaFileType;
import dev.quantforge.engine.plan.QuantizationPlan;
import dev.quantforge.engine.plan.QuantizationPlanner;
import dev.quantforge.engine.plan.QuantizeOptions;
import dev.quantforge.engine.plan.TensorDescriptor;
import dev.quantforge.engine.quantize.ModelQuantizer;
import dev.quantforge.engine.quantize.OutputMetadata;
import dev.quantforge.engine.quantize.TensorJobs;
import dev.quantforge.engine.testing.Models;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

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
        try (HfModelSource source = HfModelSource.open(Models.stories260K(), OutputType.F32)) {
            List<TensorDescriptor> tensors = source.tensors().stream().map(TensorDescriptor::of).toList();
            QuantizationPlan plan = new QuantizationPlanner().plan(tensors, source.metadata(),
                    LlamaFileType.parse(fileType), QuantizeOptions.defaults());
            var metadata = OutputMetadata.of(source.metadata(), OptionalInt.of(plan.fileTypeId()),
                    plan.tensors().stream().anyMatch(t -> t.targetType().isQuantized()), null);
            ModelQuantizer.withThreads(1).write(source.description(), metadata,
                    TensorJobs.of(source, plan.tensors(), null), output);
        }
        return output;
    }
}
