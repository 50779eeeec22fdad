package dev.quantforge.engine.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quantforge.engine.ggml.Bf16;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Writes a tiny random Qwen2ForCausalLM checkpoint in Hugging Face layout: BF16 safetensors with
 * q/k/v biases and tied embeddings, and a byte-level BPE tokenizer.json of the Qwen2 kind (256 byte
 * tokens, three merges, special and non-special added tokens, a chat template).
 */
public final class TinyQwen2 {
    public static final int HIDDEN = 16;
    public static final int HEADS = 4;
    public static final int KV_HEADS = 2;
    public static final int HEAD_DIM = HIDDEN / HEADS;
    public static final int LAYERS = 2;
    public static final int FF = 24;
    /** Larger than the 263 tokens, as Qwen2 pads its embedding: the rest become [PADn]. */
    public static final int VOCAB = 272;
    public static final String CHAT_TEMPLATE =
            "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}";
    public static final String QWEN2_REGEX =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private static final ObjectMapper JSON = new ObjectMapper();

    private TinyQwen2() {
    }

    public static Path write(Path dir) {
        try {
            Files.createDirectories(dir);
            JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), config());
            JSON.writeValue(dir.resolve("tokenizer.json").toFile(), tokenizer());
            JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("tokenizer_config.json").toFile(), tokenizerConfig());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        weights().write(dir.resolve("model.safetensors"));
        return dir;
    }

    private static ObjectNode config() {
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add("Qwen2ForCausalLM");
        c.put("model_type", "qwen2");
        c.put("hidden_size", HIDDEN);
        c.put("intermediate_size", FF);
        c.put("num_hidden_layers", LAYERS);
        c.put("num_attention_heads", HEADS);
        c.put("num_key_value_heads", KV_HEADS);
        c.put("max_position_embeddings", 128);
        c.put("rms_norm_eps", 1e-6);
        c.put("rope_theta", 1000000.0);
        c.put("tie_word_embeddings", true);
        c.put("vocab_size", VOCAB);
        c.put("bos_token_id", 259);
        c.put("eos_token_id", 259);
        c.put("torch_dtype", "bfloat16");
        return c;
    }

    /** The GPT-2 byte → printable character table that byte-level BPE vocabularies are spelled in. */
    public static String byteToken(int b) {
        if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) {
            return Character.toString(b);
        }
        int n = 0;
        for (int other = 0; other < b; other++) {
            if (!((other >= '!' && other <= '~') || (other >= 0xA1 && other <= 0xAC) || (other >= 0xAE && other <= 0xFF))) {
                n++;
            }
        }
        return Character.toString(256 + n);
    }

    private static ObjectNode tokenizer() {
        ObjectNode t = JSON.createObjectNode();
        t.put("version", "1.0");
        ArrayNode added = t.putArray("added_tokens");
        addToken(added, 259, "<|endoftext|>", true);
        addToken(added, 260, "<|im_start|>", true);
        addToken(added, 261, "<|im_end|>", true);
        addToken(added, 262, "my\u2581word", false);
        t.putObject("normalizer").put("type", "NFC");
        ObjectNode pre = t.putObject("pre_tokenizer");
        pre.put("type", "Sequence");
        ArrayNode steps = pre.putArray("pretokenizers");
        ObjectNode split = steps.addObject();
        split.put("type", "Split");
        split.putObject("pattern").put("Regex", QWEN2_REGEX);
        split.put("behavior", "Isolated");
        split.put("invert", false);
        steps.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", false).put("use_regex", false);
        t.putObject("post_processor").put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", false).put("use_regex", false);
        t.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", false).put("use_regex", false);
        ObjectNode model = t.putObject("model");
        model.put("type", "BPE");
        model.put("byte_fallback", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int b = 0; b < 256; b++) {
            vocab.put(byteToken(b), b);
        }
        vocab.put("\u0120t", 256);
        vocab.put("he", 257);
        vocab.put("\u0120the", 258);
        ArrayNode merges = model.putArray("merges");
        merges.addArray().add("\u0120").add("t");
        merges.addArray().add("h").add("e");
        merges.addArray().add("\u0120t").add("he");
        return t;
    }

    private static void addToken(ArrayNode added, int id, String content, boolean special) {
        added.addObject().put("id", id).put("content", content).put("single_word", false).put("lstrip", false)
                .put("rstrip", false).put("normalized", false).put("special", special);
    }

    private static ObjectNode tokenizerConfig() {
        ObjectNode c = JSON.createObjectNode();
        c.putNull("bos_token");
        c.put("eos_token", "<|im_end|>");
        c.put("pad_token", "<|endoftext|>");
        c.put("chat_template", CHAT_TEMPLATE);
        c.put("tokenizer_class", "Qwen2Tokenizer");
        return c;
    }

    private static SafetensorsFiles.Builder weights() {
        Random random = new Random(260);
        SafetensorsFiles.Builder out = new SafetensorsFiles.Builder().metadata("format", "pt");
        List<Object[]> tensors = new ArrayList<>();
        tensors.add(new Object[] {"model.embed_tokens.weight", new long[] {VOCAB, HIDDEN}});
        tensors.add(new Object[] {"model.norm.weight", new long[] {HIDDEN}});
        for (int i = 0; i < LAYERS; i++) {
            String p = "model.layers." + i + ".";
            tensors.add(new Object[] {p + "input_layernorm.weight", new long[] {HIDDEN}});
            tensors.add(new Object[] {p + "self_attn.q_proj.weight", new long[] {HEADS * HEAD_DIM, HIDDEN}});
            tensors.add(new Object[] {p + "self_attn.q_proj.bias", new long[] {HEADS * HEAD_DIM}});
            tensors.add(new Object[] {p + "self_attn.k_proj.weight", new long[] {KV_HEADS * HEAD_DIM, HIDDEN}});
            tensors.add(new Object[] {p + "self_attn.k_proj.bias", new long[] {KV_HEADS * HEAD_DIM}});
            tensors.add(new Object[] {p + "self_attn.v_proj.weight", new long[] {KV_HEADS * HEAD_DIM, HIDDEN}});
            tensors.add(new Object[] {p + "self_attn.v_proj.bias", new long[] {KV_HEADS * HEAD_DIM}});
            tensors.add(new Object[] {p + "self_attn.o_proj.weight", new long[] {HIDDEN, HEADS * HEAD_DIM}});
            tensors.add(new Object[] {p + "post_attention_layernorm.weight", new long[] {HIDDEN}});
            tensors.add(new Object[] {p + "mlp.gate_proj.weight", new long[] {FF, HIDDEN}});
            tensors.add(new Object[] {p + "mlp.up_proj.weight", new long[] {FF, HIDDEN}});
            tensors.add(new Object[] {p + "mlp.down_proj.weight", new long[] {HIDDEN, FF}});
        }
        tensors.sort((a, b) -> ((String) a[0]).compareTo((String) b[0]));
        for (Object[] t : tensors) {
            long[] shape = (long[]) t[1];
            int n = (int) (shape.length == 1 ? shape[0] : shape[0] * shape[1]);
            short[] values = new short[n];
            boolean norm = ((String) t[0]).endsWith("layernorm.weight") || t[0].equals("model.norm.weight");
            for (int i = 0; i < n; i++) {
                values[i] = Bf16.fromFloat(norm ? 1 + 0.1f * (float) random.nextGaussian() : 0.02f * (float) random.nextGaussian());
            }
            out.add((String) t[0], "BF16", shape, SafetensorsFiles.shorts(values));
        }
        return out;
    }
}
