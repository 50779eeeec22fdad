package dev.quantforge.engine.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.runtime.LlamaModel;
import dev.quantforge.engine.runtime.LogitsConsumer;
import dev.quantforge.engine.runtime.Perplexity;
import dev.quantforge.engine.runtime.ScoringModel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;

/**
 * An ONNX decoder directory ({@link OnnxExporter}'s output) running on ONNX Runtime's CPU execution
 * provider: full windows (perplexity, reference comparisons), and token-by-token decoding with the
 * KV cache fed back (present → past). One session is open in the process at a time: sessions are not
 * proven safe to share the machine's threads, and a benchmark wants them all.
 */
public final class OnnxDecoder implements ScoringModel, AutoCloseable {
    private static final Semaphore ONE_SESSION = new Semaphore(1);

    /**
     * @param threads       ONNX Runtime's intra-op threads
     * @param contextLength window of the perplexity runs (and the longest sequence decoded)
     */
    public record Options(int threads, int contextLength) {
        public Options {
            if (threads < 1 || contextLength < 2) {
                throw new IllegalArgumentException("threads >= 1 and context >= 2, got " + threads + ", " + contextLength);
            }
        }
    }

    private final OrtEnvironment env;
    private final Path dir;
    private final Options options;
    private OrtSession session;
    private final int layers;
    private final int kvHeads;
    private final int headDim;
    private final int vocabularySize;
    private final boolean half;
    private java.util.function.BiFunction<String, Boolean, int[]> tokenizer;
    private int bos = 1;

    private OnnxDecoder(OrtEnvironment env, Path dir, Options options, OrtSession session) throws OrtException {
        this.env = env;
        this.dir = dir;
        this.options = options;
        this.session = session;
        Map<String, NodeInfo> inputs = session.getInputInfo();
        int count = 0;
        while (inputs.containsKey(DecoderGraph.pastKey(count))) {
            count++;
        }
        if (count == 0 || !inputs.containsKey(DecoderGraph.INPUT_IDS)) {
            throw new InvalidInputException(dir + ": not a decoder with input_ids and past_key_values.{i}.key inputs");
        }
        this.layers = count;
        TensorInfo past = (TensorInfo) inputs.get(DecoderGraph.pastKey(0)).getInfo();
        this.kvHeads = (int) past.getShape()[1];
        this.headDim = (int) past.getShape()[3];
        this.half = past.type == OnnxJavaType.FLOAT16;
        TensorInfo logits = (TensorInfo) session.getOutputInfo().get(DecoderGraph.LOGITS).getInfo();
        this.vocabularySize = (int) logits.getShape()[2];
    }

    /** The ONNX Runtime version the engine runs, e.g. {@code 1.29.0}. */
    public static String runtimeVersion() {
        return OrtEnvironment.getEnvironment().getVersion();
    }

    /** Opens {@code dir}'s model.onnx; waits while another session is open in the process. */
    public static OnnxDecoder load(Path dir, Options options) {
        if (!OnnxExporter.isOnnxDirectory(dir)) {
            throw new InvalidInputException(dir + ": no " + OnnxExporter.MODEL + " in it");
        }
        ONE_SESSION.acquireUninterruptibly();
        try {
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            OrtSession session = createSession(env, dir, options.threads(), OrtSession.SessionOptions.OptLevel.ALL_OPT);
            try {
                return new OnnxDecoder(env, dir, options, session);
            } catch (OrtException | RuntimeException e) {
                session.close();
                throw e;
            }
        } catch (OrtException e) {
            ONE_SESSION.release();
            throw refused(dir, e);
        } catch (RuntimeException e) {
            ONE_SESSION.release();
            throw e;
        }
    }

    /**
     * Loads {@code dir} in ONNX Runtime and closes it: an export ONNX Runtime refuses fails with one line. ONNX
     * Runtime still parses the graph, infers every type and shape and creates every node's kernel, but with no
     * graph optimizations (no constant folding) and no weight prepacking, the check touches none of the weights:
     * ONNX Runtime memory-maps the external data of CPU initializers and uses the mapping as the tensor ({@link
     * WeightWriter} aligns tensors of 1 MiB and more to 4096 bytes, as ONNX Runtime's own saver does), and
     * prepacking was what read (and copied) the float32 MatMul weights and the int4 blocks.
     * Measured on the 1 GB generated model in fp32: peak RSS of the load 2.0 GB with prepacking, 74 MB without
     * (docs/benchmark.md).
     */
    static void verifyLoads(Path dir) {
        ONE_SESSION.acquireUninterruptibly();
        try {
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OrtSession.SessionOptions so = sessionOptions(1, OrtSession.SessionOptions.OptLevel.NO_OPT)) {
                so.addConfigEntry("session.disable_prepacking", "1");
                env.createSession(dir.resolve(OnnxExporter.MODEL).toString(), so).close();
            }
        } catch (OrtException e) {
            throw refused(dir, e);
        } finally {
            ONE_SESSION.release();
        }
    }

    private static OrtSession createSession(OrtEnvironment env, Path dir, int threads,
                                            OrtSession.SessionOptions.OptLevel level) throws OrtException {
        try (OrtSession.SessionOptions so = sessionOptions(threads, level)) {
            return env.createSession(dir.resolve(OnnxExporter.MODEL).toString(), so);
        }
    }

    private static OrtSession.SessionOptions sessionOptions(int threads, OrtSession.SessionOptions.OptLevel level)
            throws OrtException {
        OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        try {
            so.setIntraOpNumThreads(threads);
            so.setInterOpNumThreads(1);
            so.setOptimizationLevel(level);
            so.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            return so;
        } catch (OrtException | RuntimeException e) {
            so.close();
            throw e;
        }
    }

    private static InvalidInputException refused(Path dir, OrtException e) {
        String message = String.valueOf(e.getMessage()).lines().findFirst().orElse("").strip();
        return new InvalidInputException(dir + ": ONNX Runtime " + runtimeVersion() + " cannot load it (" + message + ")");
    }

    /** The tokenizer perplexity runs use: llama.cpp's, for the same tokens as the GGUF variants and the reference. */
    public void useTokenizer(java.util.function.BiFunction<String, Boolean, int[]> tokenize, int bosToken) {
        this.tokenizer = tokenize;
        this.bos = bosToken;
    }

    @Override
    public Path file() {
        return dir;
    }

    @Override
    public int vocabularySize() {
        return vocabularySize;
    }

    @Override
    public int contextLength() {
        return options.contextLength();
    }

    public int layers() {
        return layers;
    }

    /** Whether activations and the KV cache are float16. */
    public boolean isHalf() {
        return half;
    }

    /** The KV cache of one sequence (batch 1): the present tensors of the last run, owned by its result. */
    public final class Cache implements AutoCloseable {
        private OrtSession.Result result;
        private final List<OnnxTensor> empty = new ArrayList<>();
        private int length;

        public int length() {
            return length;
        }

        OnnxTensor past(int layer, boolean key) throws OrtException {
            if (result == null) {
                long[] shape = {1, kvHeads, 0, headDim};
                OnnxTensor t = half
                        ? OnnxTensor.createTensor(env, ByteBuffer.allocateDirect(0), shape, OnnxJavaType.FLOAT16)
                        : OnnxTensor.createTensor(env, FloatBuffer.allocate(0), shape);
                empty.add(t);
                return t;
            }
            String name = key ? DecoderGraph.presentKey(layer) : DecoderGraph.presentValue(layer);
            return (OnnxTensor) result.get(name).orElseThrow();
        }

        void replace(OrtSession.Result next, int added) {
            close();
            result = next;
            length += added;
        }

        @Override
        public void close() {
            if (result != null) {
                result.close();
                result = null;
            }
            empty.forEach(OnnxTensor::close);
            empty.clear();
        }
    }

    public Cache newCache() {
        return new Cache();
    }

    /**
     * Runs {@code tokens} after what {@code cache} holds (positions continue from its length) and returns
     * the logits of every one of them, {@code [tokens.length][vocabulary]}.
     */
    public float[][] run(Cache cache, int[] tokens) {
        ensureOpen();
        int n = tokens.length;
        int past = cache.length();
        long[] positions = new long[n];
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            if (tokens[i] < 0 || tokens[i] >= vocabularySize) {
                throw new IllegalArgumentException("token id " + tokens[i] + " is outside the vocabulary of " + vocabularySize);
            }
            ids[i] = tokens[i];
            positions[i] = past + i;
        }
        long[] mask = new long[past + n];
        java.util.Arrays.fill(mask, 1);
        List<OnnxTensor> created = new ArrayList<>();
        try {
            Map<String, OnnxTensor> inputs = new HashMap<>();
            inputs.put(DecoderGraph.INPUT_IDS, track(created, OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[]{1, n})));
            inputs.put(DecoderGraph.POSITION_IDS, track(created, OnnxTensor.createTensor(env, LongBuffer.wrap(positions), new long[]{1, n})));
            inputs.put(DecoderGraph.ATTENTION_MASK, track(created, OnnxTensor.createTensor(env, LongBuffer.wrap(mask), new long[]{1, past + n})));
            for (int i = 0; i < layers; i++) {
                inputs.put(DecoderGraph.pastKey(i), cache.past(i, true));
                inputs.put(DecoderGraph.pastValue(i), cache.past(i, false));
            }
            OrtSession.Result result = session.run(inputs);
            float[][] rows;
            try {
                OnnxTensor logits = (OnnxTensor) result.get(DecoderGraph.LOGITS).orElseThrow();
                FloatBuffer buffer = logits.getFloatBuffer();
                rows = new float[n][vocabularySize];
                for (int i = 0; i < n; i++) {
                    buffer.get(rows[i]);
                }
            } catch (RuntimeException e) {
                result.close();
                throw e;
            }
            cache.replace(result, n);
            return rows;
        } catch (OrtException e) {
            throw new IllegalStateException(dir + ": ONNX Runtime failed: " + e.getMessage(), e);
        } finally {
            created.forEach(OnnxTensor::close);
        }
    }

    /** The logits of every position of {@code tokens} run from an empty cache. */
    public float[][] logits(int[] tokens) {
        try (Cache cache = newCache()) {
            return run(cache, tokens);
        }
    }

    /** Greedy continuation: {@code count} argmax steps (lowest id on ties) after {@code prompt}, with the KV cache. */
    public int[] greedy(int[] prompt, int count) {
        int[] out = new int[count];
        try (Cache cache = newCache()) {
            float[][] rows = run(cache, prompt);
            float[] last = rows[rows.length - 1];
            for (int i = 0; i < count; i++) {
                out[i] = LlamaModel.argmax(last);
                if (i + 1 < count) {
                    last = run(cache, new int[]{out[i]})[0];
                }
            }
        }
        return out;
    }

    /**
     * As {@link LlamaModel#perplexity(List, LogitsConsumer)}: windows of {@code [BOS] + ids[s : s + ctx - 1]},
     * positions from 0 in each, every text token scored once, in float64; needs {@link #useTokenizer}.
     */
    @Override
    public Perplexity perplexity(List<String> paragraphs, LogitsConsumer consumer) {
        if (tokenizer == null) {
            throw new IllegalStateException("no tokenizer: call useTokenizer first");
        }
        int context = options.contextLength();
        int stride = context - 1;
        int scored = 0;
        Perplexity.Paragraph[] scores = new Perplexity.Paragraph[paragraphs.size()];
        for (int p = 0; p < paragraphs.size(); p++) {
            int[] ids = tokenizer.apply(paragraphs.get(p), false);
            if (ids.length == 0) {
                throw new InvalidInputException("paragraph " + p + " of the evaluation text has no tokens");
            }
            double nllSum = 0;
            int windows = 0;
            for (int start = 0; start < ids.length; start += stride) {
                int n = Math.min(stride, ids.length - start);
                int[] window = new int[n + 1];
                window[0] = bos;
                System.arraycopy(ids, start, window, 1, n);
                float[][] rows = logits(window);
                for (int j = 0; j < n; j++) {
                    int target = window[j + 1];
                    nllSum += LlamaModel.negativeLogLikelihood(rows[j], target);
                    if (consumer != null) {
                        consumer.accept(scored, target, rows[j]);
                    }
                    scored++;
                }
                windows++;
            }
            scores[p] = new Perplexity.Paragraph(p, ids.length, windows, nllSum);
        }
        return new Perplexity(context, List.of(scores));
    }

    private static OnnxTensor track(List<OnnxTensor> created, OnnxTensor t) {
        created.add(t);
        return t;
    }

    private void ensureOpen() {
        if (session == null) {
            throw new IllegalStateException(dir + " is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (session == null) {
            return;
        }
        try {
            session.close();
        } catch (OrtException e) {
            // closing cannot be retried
        } finally {
            session = null;
            ONE_SESSION.release();
        }
    }

    static ByteBuffer direct(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }
}
