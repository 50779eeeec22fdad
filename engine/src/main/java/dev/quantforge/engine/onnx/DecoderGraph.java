package dev.quantforge.engine.onnx;

import dev.quantforge.engine.hf.HfArchitecture;
import dev.quantforge.engine.hf.HfHyperparameters;
import dev.quantforge.engine.hf.RopeScaling;
import dev.quantforge.engine.safetensors.SafetensorsCheckpoint;
import dev.quantforge.engine.tensor.TensorSource;

import java.util.List;
import java.util.function.Consumer;

import static dev.quantforge.engine.onnx.OnnxGraph.Attribute;

/**
 * Builds the decoder graph of a Llama-family checkpoint (llama, mistral, qwen2) from its original
 * Hugging Face tensors, writing each weight to the external data file as the node that uses it is added.
 * Standard ONNX ops (opset 17) throughout, except MatMulNBits for int4; see docs/design.md, "ONNX output".
 */
final class DecoderGraph {
    static final String INPUT_IDS = "input_ids";
    static final String ATTENTION_MASK = "attention_mask";
    static final String POSITION_IDS = "position_ids";
    static final String LOGITS = "logits";
    /** float32's lowest value, what masked attention scores become (as Hugging Face's finfo.min). */
    private static final float MASKED = -Float.MAX_VALUE;

    static String pastKey(int layer) {
        return "past_key_values." + layer + ".key";
    }

    static String pastValue(int layer) {
        return "past_key_values." + layer + ".value";
    }

    static String presentKey(int layer) {
        return "present." + layer + ".key";
    }

    static String presentValue(int layer) {
        return "present." + layer + ".value";
    }

    private final HfArchitecture architecture;
    private final HfHyperparameters hp;
    private final SafetensorsCheckpoint checkpoint;
    private final OnnxExportOptions options;
    private final WeightWriter weights;
    private final Consumer<String> tensorDone;
    private final OnnxGraph g = new OnnxGraph("quantforge_decoder");
    private final OnnxDataType act;

    DecoderGraph(HfArchitecture architecture, HfHyperparameters hp, SafetensorsCheckpoint checkpoint,
                 OnnxExportOptions options, WeightWriter weights, Consumer<String> tensorDone) {
        this.architecture = architecture;
        this.hp = hp;
        this.checkpoint = checkpoint;
        this.options = options;
        this.weights = weights;
        this.tensorDone = tensorDone;
        this.act = options.activationType();
    }

    OnnxGraph build() {
        int layers = hp.blockCount();
        int kvHeads = hp.headCountKv();
        int headDim = hp.headDim();
        g.input(INPUT_IDS, OnnxDataType.INT64, "batch_size", "sequence_length");
        g.input(ATTENTION_MASK, OnnxDataType.INT64, "batch_size", "total_sequence_length");
        g.input(POSITION_IDS, OnnxDataType.INT64, "batch_size", "sequence_length");
        for (int i = 0; i < layers; i++) {
            g.input(pastKey(i), act, "batch_size", (long) kvHeads, "past_sequence_length", (long) headDim);
            g.input(pastValue(i), act, "batch_size", (long) kvHeads, "past_sequence_length", (long) headDim);
        }
        g.output(LOGITS, act, "batch_size", "sequence_length", (long) hp.vocabSize());
        for (int i = 0; i < layers; i++) {
            g.output(presentKey(i), act, "batch_size", (long) kvHeads, "total_sequence_length", (long) headDim);
            g.output(presentValue(i), act, "batch_size", (long) kvHeads, "total_sequence_length", (long) headDim);
        }

        String embedding = floatRows("model.embed_tokens.weight");
        String hidden = g.op("/model/embed_tokens", "Gather", List.of(embedding, INPUT_IDS));
        Rope rope = rope();
        String allowed = attentionMask();
        for (int i = 0; i < layers; i++) {
            hidden = layer(i, hidden, rope, allowed);
        }
        String normed = rmsNorm("/model/norm", hidden, "model.norm.weight");
        String lmHead = hp.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight";
        String logits = linear("/lm_head", normed, lmHead, "lm_head.weight", null, options.quantizeLmHead());
        g.opNamed("/lm_head/output", "Identity", List.of(logits), List.of(LOGITS));
        return g;
    }

    private record Rope(String cosQ, String sinQ, String cosK, String sinK) {
    }

    /** cos and sin of position × inverse frequency, rotate-half layout ([f, f] over the head). */
    private Rope rope() {
        String prefix = "/model/rotary_emb";
        RopeFrequencies frequencies = RopeFrequencies.of(hp);
        String invFreq = g.constant(prefix + "/inv_freq", OnnxDataType.FLOAT,
                new long[]{frequencies.inverse().length}, OnnxGraph.bytes(frequencies.inverse()));
        String positions = g.op(prefix, "Cast", List.of(POSITION_IDS), Attribute.of("to", (long) OnnxDataType.FLOAT.id()));
        String column = g.op(prefix, "Unsqueeze", List.of(positions, g.int64s(2)));
        String freqs = g.op(prefix, "Mul", List.of(column, invFreq));
        String emb = g.op(prefix, "Concat", List.of(freqs, freqs), Attribute.of("axis", -1L));
        String cos = g.op(prefix, "Cos", List.of(emb));
        String sin = g.op(prefix, "Sin", List.of(emb));
        if (frequencies.attentionFactor() != 1f) {
            String factor = g.floatScalar(frequencies.attentionFactor(), OnnxDataType.FLOAT);
            cos = g.op(prefix, "Mul", List.of(cos, factor));
            sin = g.op(prefix, "Mul", List.of(sin, factor));
        }
        if (act == OnnxDataType.FLOAT16) {
            cos = cast(prefix, cos, act);
            sin = cast(prefix, sin, act);
        }
        // [B, S, D] -> [B, 1, 1, S, D] for the grouped queries, [B, 1, S, D] for the keys
        return new Rope(g.op(prefix, "Unsqueeze", List.of(cos, g.int64s(1, 2))),
                g.op(prefix, "Unsqueeze", List.of(sin, g.int64s(1, 2))),
                g.op(prefix, "Unsqueeze", List.of(cos, g.int64s(1))),
                g.op(prefix, "Unsqueeze", List.of(sin, g.int64s(1))));
    }

    /**
     * Where a query may attend: key position j <= past + i (causal) and attention_mask[b, j] = 1; shape
     * [B, 1, 1, S, T] (T = past + S), to broadcast over the grouped scores [B, kv_heads, group, S, T].
     */
    private String attentionMask() {
        String prefix = "/model/attn_mask";
        String zero = g.int64Scalar(0);
        String one = g.int64Scalar(1);
        String sequence = g.op(prefix, "Gather", List.of(g.op(prefix, "Shape", List.of(INPUT_IDS)), one),
                Attribute.of("axis", 0L));
        String past = g.op(prefix, "Gather", List.of(g.op(prefix, "Shape", List.of(pastKey(0))), g.int64Scalar(2)),
                Attribute.of("axis", 0L));
        String total = g.op(prefix, "Add", List.of(past, sequence));
        String queries = g.op(prefix, "Unsqueeze", List.of(g.op(prefix, "Range", List.of(past, total, one)), g.int64s(1)));
        String keys = g.op(prefix, "Unsqueeze", List.of(g.op(prefix, "Range", List.of(zero, total, one)), g.int64s(0)));
        String causal = g.op(prefix, "LessOrEqual", List.of(keys, queries));
        String padding = g.op(prefix, "Cast", List.of(ATTENTION_MASK), Attribute.of("to", (long) OnnxDataType.BOOL.id()));
        padding = g.op(prefix, "Unsqueeze", List.of(padding, g.int64s(1, 2, 3)));
        return g.op(prefix, "And", List.of(causal, padding));
    }

    private String layer(int i, String hidden, Rope rope, String allowed) {
        String p = "/model/layers." + i;
        String hf = "model.layers." + i + ".";
        int heads = hp.headCount();
        int kvHeads = hp.headCountKv();
        int group = heads / kvHeads;
        int headDim = hp.headDim();
        boolean qkvBias = architecture.qkvBias() || hp.attentionBias();

        String x = rmsNorm(p + "/input_layernorm", hidden, hf + "input_layernorm.weight");
        String a = p + "/attn";
        String q = linear(a + "/q_proj", x, hf + "self_attn.q_proj.weight", null, qkvBias ? hf + "self_attn.q_proj.bias" : null, true);
        String k = linear(a + "/k_proj", x, hf + "self_attn.k_proj.weight", null, qkvBias ? hf + "self_attn.k_proj.bias" : null, true);
        String v = linear(a + "/v_proj", x, hf + "self_attn.v_proj.weight", null, qkvBias ? hf + "self_attn.v_proj.bias" : null, true);
        // queries grouped by the kv head they share: [B, S, kv, group, D] -> [B, kv, group, S, D]
        q = g.op(a, "Transpose", List.of(g.op(a, "Reshape", List.of(q, g.int64s(0, 0, kvHeads, group, headDim)))),
                Attribute.ints("perm", 0, 2, 3, 1, 4));
        k = g.op(a, "Transpose", List.of(g.op(a, "Reshape", List.of(k, g.int64s(0, 0, kvHeads, headDim)))),
                Attribute.ints("perm", 0, 2, 1, 3));
        v = g.op(a, "Transpose", List.of(g.op(a, "Reshape", List.of(v, g.int64s(0, 0, kvHeads, headDim)))),
                Attribute.ints("perm", 0, 2, 1, 3));
        q = rotate(a + "/q_rotary", q, rope.cosQ(), rope.sinQ(), headDim);
        k = rotate(a + "/k_rotary", k, rope.cosK(), rope.sinK(), headDim);
        g.opNamed(a + "/present_key", "Concat", List.of(pastKey(i), k), List.of(presentKey(i)), Attribute.of("axis", 2L));
        g.opNamed(a + "/present_value", "Concat", List.of(pastValue(i), v), List.of(presentValue(i)), Attribute.of("axis", 2L));
        String keysT = g.op(a, "Unsqueeze", List.of(g.op(a, "Transpose", List.of(presentKey(i)), Attribute.ints("perm", 0, 1, 3, 2)),
                g.int64s(2)));
        String values = g.op(a, "Unsqueeze", List.of(presentValue(i), g.int64s(2)));
        String scores = g.op(a, "MatMul", List.of(q, keysT));
        if (act == OnnxDataType.FLOAT16) {
            scores = cast(a, scores, OnnxDataType.FLOAT);
        }
        scores = g.op(a, "Mul", List.of(scores, g.floatScalar((float) (1 / Math.sqrt(headDim)), OnnxDataType.FLOAT)));
        scores = g.op(a, "Where", List.of(allowed, scores, g.floatScalar(MASKED, OnnxDataType.FLOAT)));
        String probs = g.op(a, "Softmax", List.of(scores), Attribute.of("axis", -1L));
        if (act == OnnxDataType.FLOAT16) {
            probs = cast(a, probs, act);
        }
        String context = g.op(a, "MatMul", List.of(probs, values));
        context = g.op(a, "Reshape", List.of(g.op(a, "Transpose", List.of(context), Attribute.ints("perm", 0, 3, 1, 2, 4)),
                g.int64s(0, 0, -1)));
        String o = linear(a + "/o_proj", context, hf + "self_attn.o_proj.weight", null,
                hp.attentionBias() ? hf + "self_attn.o_proj.bias" : null, true);
        hidden = g.op(p, "Add", List.of(hidden, o));

        String y = rmsNorm(p + "/post_attention_layernorm", hidden, hf + "post_attention_layernorm.weight");
        String m = p + "/mlp";
        String gate = linear(m + "/gate_proj", y, hf + "mlp.gate_proj.weight", null, hp.mlpBias() ? hf + "mlp.gate_proj.bias" : null, true);
        String up = linear(m + "/up_proj", y, hf + "mlp.up_proj.weight", null, hp.mlpBias() ? hf + "mlp.up_proj.bias" : null, true);
        String silu = g.op(m, "Mul", List.of(gate, g.op(m, "Sigmoid", List.of(gate))));
        String down = linear(m + "/down_proj", g.op(m, "Mul", List.of(silu, up)), hf + "mlp.down_proj.weight", null,
                hp.mlpBias() ? hf + "mlp.down_proj.bias" : null, true);
        return g.op(p, "Add", List.of(hidden, down));
    }

    /** x * cos + rotate_half(x) * sin, rotate_half(x) = [-x2, x1] over the last axis. */
    private String rotate(String prefix, String x, String cos, String sin, int headDim) {
        String[] halves = g.op(prefix, "Split", "", List.of(x, g.int64s(headDim / 2, headDim / 2)), 2,
                Attribute.of("axis", -1L));
        String rotated = g.op(prefix, "Concat", List.of(g.op(prefix, "Neg", List.of(halves[1])), halves[0]),
                Attribute.of("axis", -1L));
        return g.op(prefix, "Add", List.of(g.op(prefix, "Mul", List.of(x, cos)), g.op(prefix, "Mul", List.of(rotated, sin))));
    }

    /** weight * (x / sqrt(mean(x²) + eps)), the mean in float32 as Hugging Face computes it. */
    private String rmsNorm(String prefix, String x, String weightName) {
        String weight = floatRows(weightName);
        String xf = act == OnnxDataType.FLOAT16 ? cast(prefix, x, OnnxDataType.FLOAT) : x;
        String mean = g.op(prefix, "ReduceMean", List.of(g.op(prefix, "Mul", List.of(xf, xf))),
                Attribute.ints("axes", -1), Attribute.of("keepdims", 1L));
        String eps = g.floatScalar((float) hp.rmsNormEps(), OnnxDataType.FLOAT);
        String inverse = g.op(prefix, "Reciprocal", List.of(g.op(prefix, "Sqrt", List.of(g.op(prefix, "Add", List.of(mean, eps))))));
        String y = g.op(prefix, "Mul", List.of(xf, inverse));
        if (act == OnnxDataType.FLOAT16) {
            y = cast(prefix, y, act);
        }
        return g.op(prefix, "Mul", List.of(weight, y));
    }

    /**
     * x @ W^T (+ bias) for a Hugging Face weight W [N, K], in the target's precision; {@code quantize}
     * false keeps float weights (of the activation type) in an int8/int4 target.
     */
    private String linear(String prefix, String x, String weightName, String onnxName, String biasName, boolean quantize) {
        String name = onnxName != null ? onnxName : weightName;
        TensorSource w = checkpoint.source(weightName);
        String y;
        OnnxPrecision precision = quantize ? options.precision() : (options.precision() == OnnxPrecision.FP16 ? OnnxPrecision.FP16 : OnnxPrecision.FP32);
        switch (precision) {
            case FP32, FP16 -> {
                OnnxGraph.Initializer init = weights.transposed(name, w, act);
                g.initializer(init);
                y = g.op(prefix, "MatMul", List.of(x, init.name()));
            }
            case INT8 -> {
                OnnxGraph.Initializer[] q = weights.int8(name, w);
                g.initializer(q[0]);
                g.initializer(q[1]);
                String dequantized = g.op(prefix, "DequantizeLinear", List.of(q[0].name(), q[1].name()), Attribute.of("axis", 1L));
                if (act == OnnxDataType.FLOAT16) {
                    // opset 17's DequantizeLinear yields float32 only (float16 scales need opset 19)
                    dequantized = cast(prefix, dequantized, act);
                }
                y = g.op(prefix, "MatMul", List.of(x, dequantized));
            }
            case INT4 -> {
                // MatMulNBits' T1 types both A and the scales: float16 scales with float16 activations
                OnnxGraph.Initializer[] q = weights.int4(name, w, options.blockSize(), options.symmetric(), act);
                for (OnnxGraph.Initializer init : q) {
                    g.initializer(init);
                }
                List<String> inputs = q.length == 3 ? List.of(x, q[0].name(), q[1].name(), q[2].name())
                        : List.of(x, q[0].name(), q[1].name());
                y = g.op(prefix, "MatMulNBits", OnnxGraph.MICROSOFT, inputs, 1,
                        Attribute.of("K", w.rowLength()), Attribute.of("N", w.rowCount()), Attribute.of("bits", 4L),
                        Attribute.of("block_size", (long) options.blockSize()),
                        Attribute.of("accuracy_level", (long) options.accuracyLevel()))[0];
            }
            default -> throw new IllegalStateException(precision.name());
        }
        tensorDone.accept(weightName);
        if (biasName != null) {
            y = g.op(prefix, "Add", List.of(y, floatRows(biasName)));
        }
        return y;
    }

    /** A checkpoint tensor stored as it is (embedding, norms, biases), in the activation type. */
    private String floatRows(String name) {
        TensorSource source = checkpoint.source(name);
        long[] hfShape = checkpoint.info(name).orElseThrow().shape();
        OnnxGraph.Initializer init = weights.rows(name, source, act, hfShape);
        g.initializer(init);
        tensorDone.accept(name);
        return init.name();
    }

    private String cast(String prefix, String x, OnnxDataType to) {
        return g.op(prefix, "Cast", List.of(x), Attribute.of("to", (long) to.id()));
    }

    /** Inverse frequencies and the attention factor of the checkpoint's RoPE, as transformers computes them. */
    record RopeFrequencies(float[] inverse, float attentionFactor) {
        static RopeFrequencies of(HfHyperparameters hp) {
            int dim = hp.headDim();
            double base = hp.ropeTheta().orElse(10000.0);
            float[] inv = new float[dim / 2];
            for (int i = 0; i < inv.length; i++) {
                // float32, as torch: 1 / base ** (arange(0, dim, 2).float() / dim)
                inv[i] = 1f / (float) Math.pow(base, (float) (2 * i) / dim);
            }
            RopeScaling s = hp.ropeScaling().orElse(null);
            if (s == null) {
                return new RopeFrequencies(inv, 1f);
            }
            switch (s.kind()) {
                case LINEAR -> {
                    for (int i = 0; i < inv.length; i++) {
                        inv[i] = inv[i] / (float) s.factor();
                    }
                    return new RopeFrequencies(inv, 1f);
                }
                case LLAMA3 -> {
                    float[] factors = s.llama3Factors(base, dim);
                    for (int i = 0; i < inv.length; i++) {
                        inv[i] = inv[i] / factors[i];
                    }
                    return new RopeFrequencies(inv, 1f);
                }
                case YARN -> {
                    double factor = s.factor();
                    double betaFast = s.yarnBetaFast() != null ? s.yarnBetaFast() : 32;
                    double betaSlow = s.yarnBetaSlow() != null ? s.yarnBetaSlow() : 1;
                    double low = Math.max(Math.floor(correctionDim(betaFast, dim, base, s.originalContext())), 0);
                    double high = Math.min(Math.ceil(correctionDim(betaSlow, dim, base, s.originalContext())), dim - 1);
                    if (low == high) {
                        high += 0.001;
                    }
                    for (int i = 0; i < inv.length; i++) {
                        float posFreq = (float) Math.pow(base, (float) (2 * i) / dim);
                        float extrapolation = 1f / posFreq;
                        float interpolation = 1f / ((float) factor * posFreq);
                        float ramp = (float) Math.min(1, Math.max(0, (i - low) / (high - low)));
                        float extrapolationFactor = 1 - ramp;
                        inv[i] = interpolation * (1 - extrapolationFactor) + extrapolation * extrapolationFactor;
                    }
                    float attention = s.yarnAttnFactor() != null ? s.yarnAttnFactor().floatValue()
                            : (float) (factor <= 1 ? 1 : 0.1 * Math.log(factor) + 1);
                    return new RopeFrequencies(inv, attention);
                }
                default -> throw new IllegalStateException(s.kind().name());
            }
        }

        private static double correctionDim(double rotations, int dim, double base, int context) {
            return dim * Math.log(context / (rotations * 2 * Math.PI)) / (2 * Math.log(base));
        }
    }
}
