package dev.quantforge.engine.runtime;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.Structure.FieldOrder;

/**
 * The part of llama.cpp's C API (llama.h at tag b4916, the build bundled in de.kherud:llama 4.2.0)
 * that quantforge calls. Struct fields follow llama.h in order and C type; C {@code bool} is a
 * one-byte {@code byte} here because JNA would otherwise lay it out as a four-byte int.
 * {@link LlamaRuntime} checks the layouts against the library's own defaults before first use.
 */
interface LlamaLibrary extends Library {

    /** {@code enum ggml_log_level} values the log callback tells apart. */
    int LOG_LEVEL_ERROR = 4;
    /** Continues the previous message (llama.cpp prints some lines in pieces). */
    int LOG_LEVEL_CONT = 5;

    /** {@code ggml_log_callback}. */
    interface LogCallback extends Callback {
        void invoke(int level, Pointer text, Pointer userData);
    }

    @FieldOrder({"devices", "n_gpu_layers", "split_mode", "main_gpu", "tensor_split", "progress_callback",
            "progress_callback_user_data", "kv_overrides", "vocab_only", "use_mmap", "use_mlock", "check_tensors"})
    class ModelParams extends Structure {
        public Pointer devices;
        public int n_gpu_layers;
        public int split_mode;
        public int main_gpu;
        public Pointer tensor_split;
        public Pointer progress_callback;
        public Pointer progress_callback_user_data;
        public Pointer kv_overrides;
        public byte vocab_only;
        public byte use_mmap;
        public byte use_mlock;
        public byte check_tensors;

        public static final class ByValue extends ModelParams implements Structure.ByValue {
        }
    }

    @FieldOrder({"n_ctx", "n_batch", "n_ubatch", "n_seq_max", "n_threads", "n_threads_batch", "rope_scaling_type",
            "pooling_type", "attention_type", "rope_freq_base", "rope_freq_scale", "yarn_ext_factor",
            "yarn_attn_factor", "yarn_beta_fast", "yarn_beta_slow", "yarn_orig_ctx", "defrag_thold", "cb_eval",
            "cb_eval_user_data", "type_k", "type_v", "logits_all", "embeddings", "offload_kqv", "flash_attn",
            "no_perf", "abort_callback", "abort_callback_data"})
    class ContextParams extends Structure {
        public int n_ctx;
        public int n_batch;
        public int n_ubatch;
        public int n_seq_max;
        public int n_threads;
        public int n_threads_batch;
        public int rope_scaling_type;
        public int pooling_type;
        public int attention_type;
        public float rope_freq_base;
        public float rope_freq_scale;
        public float yarn_ext_factor;
        public float yarn_attn_factor;
        public float yarn_beta_fast;
        public float yarn_beta_slow;
        public int yarn_orig_ctx;
        public float defrag_thold;
        public Pointer cb_eval;
        public Pointer cb_eval_user_data;
        public int type_k;
        public int type_v;
        public byte logits_all;
        public byte embeddings;
        public byte offload_kqv;
        public byte flash_attn;
        public byte no_perf;
        public Pointer abort_callback;
        public Pointer abort_callback_data;

        public static final class ByValue extends ContextParams implements Structure.ByValue {
        }
    }

    /** The arrays belong to llama.cpp ({@code llama_batch_init} allocates them); Java writes into them. */
    @FieldOrder({"n_tokens", "token", "embd", "pos", "n_seq_id", "seq_id", "logits"})
    class Batch extends Structure {
        public int n_tokens;
        public Pointer token;
        public Pointer embd;
        public Pointer pos;
        public Pointer n_seq_id;
        public Pointer seq_id;
        public Pointer logits;

        public static final class ByValue extends Batch implements Structure.ByValue {
        }
    }

    void llama_backend_init();

    void llama_log_set(LogCallback callback, Pointer userData);

    String llama_print_system_info();

    ModelParams.ByValue llama_model_default_params();

    ContextParams.ByValue llama_context_default_params();

    Pointer llama_model_load_from_file(String pathModel, ModelParams.ByValue params);

    void llama_model_free(Pointer model);

    int llama_model_desc(Pointer model, byte[] buf, long bufSize);

    long llama_model_n_params(Pointer model);

    int llama_model_n_ctx_train(Pointer model);

    Pointer llama_model_get_vocab(Pointer model);

    int llama_vocab_n_tokens(Pointer vocab);

    int llama_vocab_bos(Pointer vocab);

    Pointer llama_init_from_model(Pointer model, ContextParams.ByValue params);

    void llama_free(Pointer context);

    int llama_n_ctx(Pointer context);

    /** Returns the token count, or minus the needed count when {@code tokens} is too small. */
    int llama_tokenize(Pointer vocab, byte[] text, int textLength, int[] tokens, int maxTokens, boolean addSpecial,
                       boolean parseSpecial);

    /** Returns the byte count, or minus the needed count when {@code buf} is too small. */
    int llama_token_to_piece(Pointer vocab, int token, byte[] buf, int length, int lstrip, boolean special);

    /** Returns the byte count, or minus the needed count when {@code text} is too small. */
    int llama_detokenize(Pointer vocab, int[] tokens, int tokenCount, byte[] text, int maxLength,
                         boolean removeSpecial, boolean unparseSpecial);

    Batch.ByValue llama_batch_init(int maxTokens, int embd, int maxSequences);

    void llama_batch_free(Batch.ByValue batch);

    /** 0 on success, 1 when no KV slot was found, negative on error. */
    int llama_decode(Pointer context, Batch.ByValue batch);

    Pointer llama_get_logits_ith(Pointer context, int index);

    /** b4916 still exports the older name llama_kv_cache_clear as a deprecated alias. */
    void llama_kv_self_clear(Pointer context);
}
