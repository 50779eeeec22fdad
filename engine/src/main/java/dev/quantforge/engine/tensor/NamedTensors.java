package dev.quantforge.engine.tensor;

import java.nio.file.Path;
import java.util.List;

/**
 * A checkpoint's tensors under their own (Hugging Face) names: what the converter reads. A safetensors
 * checkpoint is one; an MLX directory seen through its dequantizer is another.
 */
public interface NamedTensors extends AutoCloseable {

    /** Tensor names, sorted. */
    List<String> names();

    /** The named tensor's shape as safetensors stores it, outermost dimension first. */
    long[] storedShape(String name);

    /** The named tensor as floats, shape in GGUF order (row length first). */
    TensorSource source(String name);

    /** The file holding the named tensor, for messages. */
    Path fileOf(String name);

    @Override
    void close();
}
