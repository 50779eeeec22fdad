package dev.quantforge.engine.runtime;

import com.sun.jna.Pointer;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.gguf.GgufFile;

import java.nio.file.Path;

/**
 * llama.cpp's tokenizer alone: a GGUF loaded with {@code vocab_only}, so that a model run elsewhere (ONNX
 * Runtime) tokenizes text exactly as its GGUF variants and the reference logits do.
 */
public final class LlamaTokenizer implements AutoCloseable {
    private final LlamaLibrary llama;
    private final Path file;
    private Pointer model;
    private final Pointer vocab;
    private final int bos;
    private final int size;

    private LlamaTokenizer(LlamaLibrary llama, Path file, Pointer model) {
        this.llama = llama;
        this.file = file;
        this.model = model;
        this.vocab = llama.llama_model_get_vocab(model);
        this.bos = llama.llama_vocab_bos(vocab);
        this.size = llama.llama_vocab_n_tokens(vocab);
    }

    public static LlamaTokenizer load(Path gguf) {
        try (GgufFile ignored = GgufFile.open(gguf)) {
            // a valid header first: llama.cpp aborts on some malformed ones
        }
        LlamaRuntime runtime = LlamaRuntime.get();
        LlamaLibrary llama = runtime.library();
        LlamaLibrary.ModelParams.ByValue params = llama.llama_model_default_params();
        params.vocab_only = 1;
        runtime.clearError();
        Pointer model = llama.llama_model_load_from_file(gguf.toString(), params);
        if (model == null) {
            throw new InvalidInputException(gguf + ": llama.cpp cannot load its vocabulary (" + runtime.error() + ")");
        }
        return new LlamaTokenizer(llama, gguf, model);
    }

    public int bos() {
        return bos;
    }

    public int size() {
        return size;
    }

    /** As {@link LlamaModel#tokenize}. */
    public synchronized int[] tokenize(String text, boolean addBos) {
        if (model == null) {
            throw new IllegalStateException(file + " is closed");
        }
        return LlamaModel.tokenize(llama, vocab, text, addBos);
    }

    @Override
    public synchronized void close() {
        if (model != null) {
            llama.llama_model_free(model);
            model = null;
        }
    }
}
