package dev.quantforge.engine.bench;

import java.nio.file.Path;

/**
 * The source model as a file llama.cpp can run, for the reference logits: a GGUF source is itself; a
 * Hugging Face checkpoint is converted once, at the precision of its weights (F32, F16 or BF16).
 * CONTRACT STUB.
 */
public final class RunnableSource {
    private RunnableSource() {
    }

    /** {@code source} itself when it is a GGUF file, else a GGUF written into {@code scratchDir}. */
    public static Path gguf(Path source, Path scratchDir) {
        throw new UnsupportedOperationException("not implemented yet");
    }
}
