package dev.quantforge.engine.plan;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.gguf.GgufArray;
import dev.quantforge.engine.gguf.GgufValue;
import dev.quantforge.engine.gguf.GgufValueType;

import java.lang.reflect.Array;
import java.util.Map;
import java.util.Objects;

/**
 * The hyperparameters llama.cpp's mixture rules look at, read from GGUF metadata the way
 * {@code llama_model::load_hparams} reads them.
 *
 * @param headCount   attention heads of layer 0 (0 when the model does not say)
 * @param headCountKv key/value heads of layer 0 (defaults to the head count)
 * @param expertCount experts per MoE layer (0 for a dense model)
 */
public record ModelHyperparameters(String architecture, int layerCount, int headCount, int headCountKv, int expertCount) {

    public ModelHyperparameters {
        Objects.requireNonNull(architecture, "architecture");
        if (layerCount < 0 || headCount < 0 || headCountKv < 0 || expertCount < 0) {
            throw new IllegalArgumentException("negative hyperparameter in " + architecture + ": layers " + layerCount
                    + ", heads " + headCount + ", kv heads " + headCountKv + ", experts " + expertCount);
        }
    }

    public static ModelHyperparameters fromMetadata(Map<String, GgufValue> metadata) {
        GgufValue arch = metadata.get("general.architecture");
        if (arch == null || arch.type() != GgufValueType.STRING) {
            throw new InvalidInputException("model metadata has no general.architecture string");
        }
        String a = arch.asString();
        int layers = count(metadata, a + ".block_count", -1);
        if (layers < 0) {
            throw new InvalidInputException("model metadata has no " + a + ".block_count");
        }
        int heads = count(metadata, a + ".attention.head_count", 0);
        int kvHeads = count(metadata, a + ".attention.head_count_kv", heads);
        int experts = count(metadata, a + ".expert_count", 0);
        return new ModelHyperparameters(a, layers, heads, kvHeads, experts);
    }

    /** Query heads per key/value head (llama.cpp's n_gqa), 0 when there are no key/value heads. */
    public int gqa() {
        return headCountKv == 0 ? 0 : headCount / headCountKv;
    }

    public boolean isFalcon() {
        return architecture.equals("falcon");
    }

    /**
     * llama.cpp's LLM_TYPE_70B for the llama architecture: 80 layers with grouped-query attention and
     * not an 8-expert MoE. Other architectures' 70B labels are not modelled.
     */
    public boolean isLlama70B() {
        return architecture.equals("llama") && expertCount != 8 && layerCount == 80 && headCount != headCountKv;
    }

    // A count is an integer, or a per-layer array of which llama.cpp's n_head() reads layer 0.
    private static int count(Map<String, GgufValue> metadata, String key, int absent) {
        GgufValue v = metadata.get(key);
        if (v == null) {
            return absent;
        }
        long n;
        if (v.type() == GgufValueType.ARRAY) {
            GgufArray array = v.asArray();
            if (array.length() == 0 || !(Array.get(array.elements(), 0) instanceof Number first)) {
                throw new InvalidInputException("model metadata " + key + " is an array without a leading integer");
            }
            n = array.elementType() == GgufValueType.UINT32 ? Integer.toUnsignedLong(first.intValue()) : first.longValue();
        } else if (v.type() == GgufValueType.FLOAT32 || v.type() == GgufValueType.FLOAT64 || v.type() == GgufValueType.STRING) {
            throw new InvalidInputException("model metadata " + key + " must be an integer, not " + v.type());
        } else {
            n = v.asLong();
        }
        if (n < 0 || n > Integer.MAX_VALUE) {
            throw new InvalidInputException("model metadata " + key + " = " + n + " is out of range");
        }
        return (int) n;
    }
}
