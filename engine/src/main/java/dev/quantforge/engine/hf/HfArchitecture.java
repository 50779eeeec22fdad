package dev.quantforge.engine.hf;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** The Hugging Face architectures quantforge converts, with the GGUF architecture each becomes. */
public enum HfArchitecture {
    /** Llama 1-3 and their fine-tunes: q/k rows are stored for rotate-half RoPE and must be interleaved. */
    LLAMA("LlamaForCausalLM", "llama", true, false),
    /** Mistral is a Llama with sliding-window training; llama.cpp runs it as llama. */
    MISTRAL("MistralForCausalLM", "llama", true, false),
    /** Qwen2 keeps rotate-half (llama.cpp runs it with NEOX RoPE) and has q/k/v biases. */
    QWEN2("Qwen2ForCausalLM", "qwen2", false, true);

    private final String hfName;
    private final String ggufName;
    private final boolean interleaveQk;
    private final boolean qkvBias;

    HfArchitecture(String hfName, String ggufName, boolean interleaveQk, boolean qkvBias) {
        this.hfName = hfName;
        this.ggufName = ggufName;
        this.interleaveQk = interleaveQk;
        this.qkvBias = qkvBias;
    }

    /** The name in config.json's {@code architectures}. */
    public String hfName() {
        return hfName;
    }

    /** {@code general.architecture}, also the prefix of the hyperparameter keys. */
    public String ggufName() {
        return ggufName;
    }

    /** Whether q/k rows must be permuted from rotate-half to llama.cpp's interleaved RoPE pairs. */
    public boolean interleaveQk() {
        return interleaveQk;
    }

    /** Whether q/k/v projections always carry biases. */
    public boolean qkvBias() {
        return qkvBias;
    }

    public static Optional<HfArchitecture> byHfName(String name) {
        return Arrays.stream(values()).filter(a -> a.hfName.equals(name)).findFirst();
    }

    /** "LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM", for messages. */
    public static String supported() {
        return Arrays.stream(values()).map(HfArchitecture::hfName).collect(Collectors.joining(", "));
    }
}
