package dev.quantforge.engine.hf;

import dev.quantforge.engine.gguf.GgufWriter;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.tensor.TensorSource;

import java.nio.file.Path;
import java.util.List;

/** Converts a Hugging Face checkpoint directory to a GGUF file, tensor by tensor. */
public final class HfConverter {
    private HfConverter() {
    }

    /**
     * Writes {@code checkpoint} to {@code output} with matrices in {@code outputType}. A checkpoint that
     * cannot be converted fails before anything is written; a failure while writing leaves no file.
     */
    public static void convert(Path checkpoint, Path output, OutputType outputType) {
        try (HfModelSource source = HfModelSource.open(checkpoint, outputType)) {
            write(source, output);
        }
    }

    /** Streams any model source to a GGUF file; peak memory is one piece of one tensor. */
    public static void write(ModelSource source, Path output) {
        List<TensorSource> tensors = source.tensors();
        List<GgufWriter.TensorSpec> specs = tensors.stream()
                .map(t -> new GgufWriter.TensorSpec(t.name(), t.shape(), t.type())).toList();
        try (GgufWriter writer = GgufWriter.create(output, source.metadata(), specs)) {
            for (TensorSource t : tensors) {
                writer.copyTensor(t.name(), t::bytes);
            }
            writer.commit();
        }
    }
}
