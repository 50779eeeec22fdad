package dev.quantforge.engine.onnx.quantize;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/** A BERT-style sentence embedding model on ONNX Runtime: token ids in, mean of last_hidden_state over the tokens out. */
final class SentenceEmbedder implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final WordPieceTokenizer tokenizer;

    SentenceEmbedder(Path model, WordPieceTokenizer tokenizer, int threads) throws OrtException {
        this.tokenizer = tokenizer;
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        this.session = env.createSession(model.toString(), options);
    }

    float[] embed(String sentence) throws OrtException {
        long[] ids = tokenizer.encode(sentence, 128);
        long[] mask = new long[ids.length];
        Arrays.fill(mask, 1);
        long[] types = new long[ids.length];
        long[] shape = {1, ids.length};
        try (OnnxTensor idT = OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(ids), shape);
             OnnxTensor maskT = OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(mask), shape);
             OnnxTensor typeT = OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(types), shape);
             OrtSession.Result result = session.run(Map.of("input_ids", idT, "attention_mask", maskT, "token_type_ids", typeT))) {
            float[][][] hidden = (float[][][]) result.get(0).getValue();
            float[] mean = new float[hidden[0][0].length];
            for (float[] token : hidden[0]) {
                for (int i = 0; i < mean.length; i++) {
                    mean[i] += token[i] / hidden[0].length;
                }
            }
            return mean;
        }
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
