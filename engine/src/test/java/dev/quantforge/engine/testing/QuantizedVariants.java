package dev.quantforge.engine.testing;

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
import dev.quantforge.engine.quantize.QuantizeResult;
import dev.quantforge.engine.quantize.TensorJobs;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

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
        try (HfModelSource source = HfModelSource.open(checkpoint, OutputType.F32)) {
            List<TensorDescriptor> tensors = source.tensors().stream().map(TensorDescriptor::of).toList();
            QuantizationPlan plan = new QuantizationPlanner().plan(tensors, source.metadata(),
                    LlamaFileType.parse(fileType), QuantizeOptions.defaults());
            var metadata = OutputMetadata.of(source.metadata(), OptionalInt.of(plan.fileTypeId()),
                    plan.tensors().stream().anyMatch(t -> t.targetType().isQuantized()), null);
            return ModelQuantizer.withThreads(threads())
                    .write(source.description(), metadata, TensorJobs.of(source, plan.tensors(), null), output);
        }
    }

    private static int threads() {
        return Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));
    }
}
