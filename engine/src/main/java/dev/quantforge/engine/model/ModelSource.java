package dev.quantforge.engine.model;

import dev.quantforge.engine.gguf.GgufValue;
import dev.quantforge.engine.tensor.TensorSource;

import java.util.List;
import java.util.Map;

/**
 * A model as the quantizer sees it: GGUF metadata and tensors under their GGUF names, readable piece
 * by piece. A GGUF file is one; a Hugging Face checkpoint converted on the fly is another.
 */
public interface ModelSource extends AutoCloseable {

    /** Where the model comes from, for messages. */
    String description();

    /** GGUF metadata, in the order it should be written. */
    Map<String, GgufValue> metadata();

    /** Tensors in source order. */
    List<TensorSource> tensors();

    @Override
    void close();
}
