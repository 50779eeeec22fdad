package dev.quantforge.engine.runtime;

import java.nio.file.Path;
import java.util.List;

/**
 * A model that scores an evaluation text the way {@link LlamaModel#perplexity(List, LogitsConsumer)} does
 * (same windows, same tokens, every position's logits): llama.cpp for GGUF, ONNX Runtime for ONNX. The
 * reference logits compare any of them with the source.
 */
public interface ScoringModel {
    /** The model's file or directory, for messages. */
    Path file();

    int vocabularySize();

    int contextLength();

    Perplexity perplexity(List<String> paragraphs, LogitsConsumer consumer);
}
