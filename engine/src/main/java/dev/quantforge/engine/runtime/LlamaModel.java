package dev.quantforge.engine.runtime;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.gguf.GgufFile;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A GGUF model running on llama.cpp with one context of {@link #contextLength()} positions. Every
 * evaluation starts from an empty KV cache, and all decisions (argmax, log-softmax) are made here
 * in Java from the raw logits, so results depend only on llama.cpp's forward pass.
 *
 * <p>Methods of one model are serialized, and decodes of all models in the process too;
 * {@link #close()} frees the native memory.
 */
public final class LlamaModel implements AutoCloseable, ScoringModel {

    /**
     * @param threads       CPU threads for llama.cpp (prompt batches and single tokens alike)
     * @param contextLength positions per window; 0 takes the model's training context
     * @param kvCacheType   type of the cached keys and values: llama.cpp's default F16 rounds every
     *                      key and value, which moves perplexity of a small model by a few tenths of a
     *                      percent; F32 keeps the whole forward pass in float32 for reference figures
     */
    public record Options(int threads, int contextLength, GgmlType kvCacheType) {
        public Options {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be at least 1, got " + threads);
            }
            if (contextLength < 0 || contextLength == 1) {
                throw new IllegalArgumentException("context length must be 0 (from the model) or at least 2, got "
                        + contextLength);
            }
            if (kvCacheType != GgmlType.F16 && kvCacheType != GgmlType.F32) {
                throw new IllegalArgumentException("KV cache type must be f16 or f32, got " + kvCacheType);
            }
        }

        /** llama.cpp's default F16 KV cache. */
        public Options(int threads, int contextLength) {
            this(threads, contextLength, GgmlType.F16);
        }

        public static Options threads(int threads) {
            return new Options(threads, 0);
        }

        public Options withKvCache(GgmlType type) {
            return new Options(threads, contextLength, type);
        }
    }

    /**
     * One decode at a time in the process: two models decoding at once on the bundled build gave NaN
     * logits, and the runtime's captured error message is shared. Each decode uses every thread it
     * was given anyway.
     */
    private static final Object DECODE = new Object();

    /** llama.cpp's physical batch; larger logical batches are split into pieces of this size anyway. */
    private static final int MAX_UBATCH = 512;

    private final LlamaRuntime runtime;
    private final LlamaLibrary llama;
    private final Path file;
    private final int vocabularySize;
    private final int contextLength;
    private final int bos;
    private final String description;
    private final long parameterCount;
    private final Pointer vocab;
    private final float[] row;
    private Pointer model;
    private Pointer context;
    private LlamaLibrary.Batch.ByValue batch;

    private LlamaModel(LlamaRuntime runtime, Path file, Pointer model, Pointer context) {
        this.runtime = runtime;
        this.llama = runtime.library();
        this.file = file;
        this.model = model;
        this.context = context;
        this.vocab = llama.llama_model_get_vocab(model);
        this.vocabularySize = llama.llama_vocab_n_tokens(vocab);
        this.contextLength = llama.llama_n_ctx(context);
        this.bos = llama.llama_vocab_bos(vocab);
        byte[] desc = new byte[256];
        llama.llama_model_desc(model, desc, desc.length);
        this.description = Native.toString(desc, StandardCharsets.UTF_8.name());
        this.parameterCount = llama.llama_model_n_params(model);
        this.row = new float[vocabularySize];
        this.batch = llama.llama_batch_init(contextLength, 0, 1);
        // Every token of every evaluation belongs to sequence 0 alone: set that once.
        for (int i = 0; i < contextLength; i++) {
            batch.n_seq_id.setInt(4L * i, 1);
            batch.seq_id.getPointer((long) Native.POINTER_SIZE * i).setInt(0, 0);
        }
    }

    /** Loads {@code file}; a missing, malformed or unloadable file is an {@link InvalidInputException}. */
    public static LlamaModel load(Path file, Options options) {
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException(file + ": no such model file");
        }
        // llama.cpp aborts the process on some malformed headers: let our own reader refuse them first.
        try (GgufFile ignored = GgufFile.open(file)) {
            // header, tensor table and data extent are valid
        }
        LlamaRuntime runtime = LlamaRuntime.get();
        LlamaLibrary llama = runtime.library();
        LlamaLibrary.ModelParams.ByValue modelParams = llama.llama_model_default_params();
        runtime.clearError();
        Pointer model = llama.llama_model_load_from_file(file.toString(), modelParams);
        if (model == null) {
            throw new InvalidInputException(file + ": llama.cpp cannot load it (" + runtime.error() + ")");
        }
        int contextLength = options.contextLength() == 0 ? llama.llama_model_n_ctx_train(model) : options.contextLength();
        LlamaLibrary.ContextParams.ByValue contextParams = llama.llama_context_default_params();
        contextParams.n_ctx = contextLength;
        contextParams.n_batch = contextLength;
        contextParams.n_ubatch = Math.min(contextLength, MAX_UBATCH);
        contextParams.n_seq_max = 1;
        contextParams.n_threads = options.threads();
        contextParams.n_threads_batch = options.threads();
        contextParams.type_k = options.kvCacheType().id();
        contextParams.type_v = options.kvCacheType().id();
        runtime.clearError();
        Pointer context = llama.llama_init_from_model(model, contextParams);
        if (context == null) {
            String reason = runtime.error();
            llama.llama_model_free(model);
            throw new InvalidInputException(file + ": llama.cpp cannot create a context of " + contextLength
                    + " positions for it (" + reason + ")");
        }
        return new LlamaModel(runtime, file, model, context);
    }

    public Path file() {
        return file;
    }

    public int vocabularySize() {
        return vocabularySize;
    }

    /** Positions per evaluation window (the context's n_ctx). */
    public int contextLength() {
        return contextLength;
    }

    public int bosToken() {
        return bos;
    }

    /** llama.cpp's one-line summary, e.g. "llama ?B Q8_0". */
    public String description() {
        return description;
    }

    public long parameterCount() {
        return parameterCount;
    }

    public LlamaRuntime runtime() {
        return runtime;
    }

    /** Tokenizes UTF-8 text the model's way; {@code addBos} adds the start token(s) the model asks for. */
    public synchronized int[] tokenize(String text, boolean addBos) {
        ensureOpen();
        return tokenize(llama, vocab, text, addBos);
    }

    /** llama_tokenize, with a second call when the first buffer was too small. */
    static int[] tokenize(LlamaLibrary llama, Pointer vocab, String text, boolean addBos) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int[] tokens = new int[utf8.length + 2];
        int count = llama.llama_tokenize(vocab, utf8, utf8.length, tokens, tokens.length, addBos, false);
        if (count < 0) {
            tokens = new int[-count];
            count = llama.llama_tokenize(vocab, utf8, utf8.length, tokens, tokens.length, addBos, false);
        }
        if (count < 0) {
            throw new IllegalStateException("llama_tokenize failed (" + count + ") on a text of " + utf8.length + " bytes");
        }
        return Arrays.copyOf(tokens, count);
    }

    /**
     * Text of {@code tokens} as the tokenizer decodes it: special tokens (BOS) dropped, the leading
     * space the tokenizer added at encoding removed, byte tokens joined into UTF-8.
     */
    public synchronized String detokenize(int[] tokens) {
        ensureOpen();
        checkTokens(tokens, 0, tokens.length);
        // llama.cpp strips the encoder's leading space only when the text does not start with BOS;
        // SentencePiece strips it either way, so leading BOS tokens go first.
        int skip = 0;
        while (skip < tokens.length && tokens[skip] == bos) {
            skip++;
        }
        tokens = Arrays.copyOfRange(tokens, skip, tokens.length);
        byte[] text = new byte[tokens.length * 8 + 16];
        int length = llama.llama_detokenize(vocab, tokens, tokens.length, text, text.length, true, false);
        if (length < 0) {
            text = new byte[-length];
            length = llama.llama_detokenize(vocab, tokens, tokens.length, text, text.length, true, false);
        }
        if (length < 0) {
            throw new IllegalStateException("llama_detokenize failed (" + length + ")");
        }
        return new String(text, 0, length, StandardCharsets.UTF_8);
    }

    /** The raw bytes one token stands for (for SentencePiece, U+2581 already turned into a space). */
    public synchronized byte[] piece(int token) {
        ensureOpen();
        checkTokens(new int[]{token}, 0, 1);
        byte[] buffer = new byte[32];
        int length = llama.llama_token_to_piece(vocab, token, buffer, buffer.length, 0, false);
        if (length < 0) {
            buffer = new byte[-length];
            length = llama.llama_token_to_piece(vocab, token, buffer, buffer.length, 0, false);
        }
        if (length < 0) {
            throw new IllegalStateException("llama_token_to_piece failed (" + length + ") for token " + token);
        }
        return Arrays.copyOf(buffer, length);
    }

    /**
     * Greedy continuation: decodes {@code prompt} from position 0, then {@code count} times takes the
     * argmax over the full vocabulary (lowest id on ties) and feeds it back. No stop token.
     */
    public synchronized int[] greedy(int[] prompt, int count) {
        ensureOpen();
        if (prompt.length < 1 || count < 0) {
            throw new IllegalArgumentException("greedy needs a non-empty prompt and a non-negative count");
        }
        if (prompt.length + count - 1 > contextLength) {
            throw new InvalidInputException("greedy: prompt of " + prompt.length + " tokens plus " + count
                    + " new ones exceeds the context of " + contextLength);
        }
        checkTokens(prompt, 0, prompt.length);
        llama.llama_kv_self_clear(context);
        int[] generated = new int[count];
        int lastRow = -1;
        for (int start = 0; start < prompt.length; start += contextLength) {
            int n = Math.min(contextLength, prompt.length - start);
            decode(prompt, start, n, start, false);
            lastRow = n - 1;
        }
        for (int k = 0; k < count; k++) {
            generated[k] = argmax(logits(lastRow));
            if (k + 1 < count) {
                decode(generated, k, 1, prompt.length + k, false);
                lastRow = 0;
            }
        }
        return generated;
    }

    /**
     * Decodes {@code tokens} as one prompt from an empty KV cache, keeping logits for the last token
     * only, as llama-bench's prompt-processing test does. Callers time it; nothing is returned.
     */
    public synchronized void processPrompt(int[] tokens) {
        ensureOpen();
        requireFits(tokens, "prompt");
        llama.llama_kv_self_clear(context);
        decode(tokens, 0, tokens.length, 0, false);
    }

    /**
     * Decodes {@code tokens} one at a time from an empty KV cache, each at the next position, as
     * llama-bench's generation test does (the tokens stand in for sampled ones, so no sampling cost
     * is included). Callers time it.
     */
    public synchronized void generateFixed(int[] tokens) {
        ensureOpen();
        requireFits(tokens, "generation");
        llama.llama_kv_self_clear(context);
        for (int i = 0; i < tokens.length; i++) {
            decode(tokens, i, 1, i, false);
        }
    }

    private void requireFits(int[] tokens, String what) {
        if (tokens.length < 1 || tokens.length > contextLength) {
            throw new InvalidInputException(file + ": a " + what + " of " + tokens.length
                    + " tokens does not fit the context of " + contextLength + " positions");
        }
    }

    public Perplexity perplexity(List<String> paragraphs) {
        return perplexity(paragraphs, null);
    }

    /**
     * Scores each paragraph in windows of {@code [BOS] + ids[s : s + ctx - 1]}, {@code s = 0, ctx-1, ...},
     * positions restarting at 0 in every window; every text token is predicted exactly once, in
     * float64. {@code consumer}, if not null, sees each scored position's logits row.
     */
    public synchronized Perplexity perplexity(List<String> paragraphs, LogitsConsumer consumer) {
        ensureOpen();
        int stride = contextLength - 1;
        int[] window = new int[contextLength];
        window[0] = bos;
        int scored = 0;
        Perplexity.Paragraph[] scores = new Perplexity.Paragraph[paragraphs.size()];
        for (int p = 0; p < paragraphs.size(); p++) {
            int[] ids = tokenize(paragraphs.get(p), false);
            if (ids.length == 0) {
                throw new InvalidInputException("paragraph " + p + " of the evaluation text has no tokens");
            }
            double nllSum = 0;
            int windows = 0;
            for (int start = 0; start < ids.length; start += stride) {
                int n = Math.min(stride, ids.length - start);
                System.arraycopy(ids, start, window, 1, n);
                llama.llama_kv_self_clear(context);
                decode(window, 0, n + 1, 0, true);
                for (int j = 0; j < n; j++) {
                    float[] logits = logits(j);
                    int target = window[j + 1];
                    nllSum += negativeLogLikelihood(logits, target);
                    if (consumer != null) {
                        consumer.accept(scored, target, logits);
                    }
                    scored++;
                }
                windows++;
            }
            scores[p] = new Perplexity.Paragraph(p, ids.length, windows, nllSum);
        }
        return new Perplexity(contextLength, List.of(scores));
    }

    /** {@code -ln softmax(logits)[target]}, in float64 with the max subtracted first. */
    public static double negativeLogLikelihood(float[] logits, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        return Math.log(sum) - (logits[target] - max);
    }

    /** The most likely token of a logits row, the lowest id on ties (as {@link #greedy} picks it). */
    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * Decodes {@code tokens[from, from + count)} at positions {@code firstPosition...} into the KV
     * cache; logits are kept for every token or only for the last.
     */
    private void decode(int[] tokens, int from, int count, int firstPosition, boolean allLogits) {
        checkTokens(tokens, from, count);
        int[] positions = new int[count];
        byte[] wantLogits = new byte[count];
        for (int i = 0; i < count; i++) {
            positions[i] = firstPosition + i;
            wantLogits[i] = (byte) (allLogits || i == count - 1 ? 1 : 0);
        }
        batch.token.write(0, tokens, from, count);
        batch.pos.write(0, positions, 0, count);
        batch.logits.write(0, wantLogits, 0, count);
        batch.n_tokens = count;
        synchronized (DECODE) {
            runtime.clearError();
            int status = llama.llama_decode(context, batch);
            if (status != 0) {
                throw new IllegalStateException("llama_decode failed with status " + status + " on " + count
                        + " tokens at position " + firstPosition + " (" + runtime.error() + ")");
            }
        }
    }

    /** The logits of the {@code index}-th token of the last decoded batch, copied into {@link #row}. */
    private float[] logits(int index) {
        Pointer logits = llama.llama_get_logits_ith(context, index);
        if (logits == null) {
            throw new IllegalStateException("llama.cpp has no logits for batch index " + index
                    + " (" + runtime.error() + ")");
        }
        logits.read(0, row, 0, vocabularySize);
        return row;
    }

    private void checkTokens(int[] tokens, int from, int count) {
        for (int i = from; i < from + count; i++) {
            if (tokens[i] < 0 || tokens[i] >= vocabularySize) {
                throw new IllegalArgumentException("token id " + tokens[i] + " is outside the vocabulary of "
                        + vocabularySize + " of " + file);
            }
        }
    }

    private void ensureOpen() {
        if (context == null) {
            throw new IllegalStateException(file + " is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (context == null) {
            return;
        }
        llama.llama_batch_free(batch);
        llama.llama_free(context);
        llama.llama_model_free(model);
        batch = null;
        context = null;
        model = null;
    }

    @Override
    public String toString() {
        return file.getFileName() + " (" + description + ", " + parameterCount + " parameters, context "
                + contextLength + ")";
    }
}
