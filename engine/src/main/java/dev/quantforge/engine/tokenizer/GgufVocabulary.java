package dev.quantforge.engine.tokenizer;

import dev.quantforge.engine.gguf.GgufArray;
import dev.quantforge.engine.gguf.GgufValue;
import dev.quantforge.engine.gguf.GgufValueType;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A vocabulary as GGUF stores it under {@code tokenizer.*}.
 *
 * @param model          {@code tokenizer.ggml.model}: "llama" (SentencePiece) or "gpt2" (byte-level BPE)
 * @param pre            {@code tokenizer.ggml.pre}: the pre-tokenizer llama.cpp applies
 * @param scores         one per token, or null for BPE vocabularies (which have merges instead)
 * @param merges         BPE merges, "left right"; empty for SentencePiece
 * @param specialIds     kind (bos, eos, unk, …) → token id, in the order they are written
 * @param addFlags       add_bos / add_eos / add_sep, in the order they are written
 * @param chatTemplates  name → template; "default" is {@code tokenizer.chat_template}
 * @param addSpacePrefix {@code tokenizer.ggml.add_space_prefix}, or null to leave llama.cpp's default
 */
public record GgufVocabulary(String model, String pre, List<String> tokens, float[] scores, List<TokenType> types,
                             List<String> merges, Map<String, Integer> specialIds, Map<String, Boolean> addFlags,
                             Map<String, String> chatTemplates, Boolean addSpacePrefix) {

    private static final Map<String, String> ID_KEYS = Map.of(
            "bos", "tokenizer.ggml.bos_token_id",
            "eos", "tokenizer.ggml.eos_token_id",
            "unk", "tokenizer.ggml.unknown_token_id",
            "sep", "tokenizer.ggml.seperator_token_id", // sic: the key llama.cpp reads
            "pad", "tokenizer.ggml.padding_token_id",
            "mask", "tokenizer.ggml.mask_token_id",
            "eot", "tokenizer.ggml.eot_token_id",
            "eom", "tokenizer.ggml.eom_token_id");
    private static final Map<String, String> FLAG_KEYS = Map.of(
            "bos", "tokenizer.ggml.add_bos_token",
            "eos", "tokenizer.ggml.add_eos_token",
            "sep", "tokenizer.ggml.add_sep_token");

    public GgufVocabulary {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(pre, "pre");
        tokens = List.copyOf(tokens);
        types = List.copyOf(types);
        merges = List.copyOf(merges);
        specialIds = Collections.unmodifiableMap(new LinkedHashMap<>(specialIds));
        addFlags = Collections.unmodifiableMap(new LinkedHashMap<>(addFlags));
        chatTemplates = Collections.unmodifiableMap(new LinkedHashMap<>(chatTemplates));
        if (types.size() != tokens.size() || (scores != null && scores.length != tokens.size())) {
            throw new IllegalArgumentException(tokens.size() + " tokens need as many types and scores");
        }
        scores = scores == null ? null : scores.clone();
    }

    @Override
    public float[] scores() {
        return scores == null ? null : scores.clone();
    }

    public int size() {
        return tokens.size();
    }

    /** The {@code tokenizer.*} metadata, in the order llama.cpp's converter writes it. */
    public Map<String, GgufValue> metadata() {
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        if (addSpacePrefix != null) {
            kv.put("tokenizer.ggml.add_space_prefix", GgufValue.ofBool(addSpacePrefix));
        }
        kv.put("tokenizer.ggml.model", GgufValue.ofString(model));
        kv.put("tokenizer.ggml.pre", GgufValue.ofString(pre));
        kv.put("tokenizer.ggml.tokens", GgufValue.ofArray(GgufArray.ofStrings(tokens.toArray(String[]::new))));
        if (scores != null) {
            kv.put("tokenizer.ggml.scores", GgufValue.ofArray(GgufArray.ofFloats(scores.clone())));
        }
        kv.put("tokenizer.ggml.token_type", GgufValue.ofArray(GgufArray.ofInts(types.stream().mapToInt(TokenType::id).toArray())));
        if (!merges.isEmpty()) {
            kv.put("tokenizer.ggml.merges", GgufValue.ofArray(GgufArray.ofStrings(merges.toArray(String[]::new))));
        }
        specialIds.forEach((kind, id) -> {
            String key = ID_KEYS.get(kind);
            if (key != null) {
                kv.put(key, GgufValue.ofUint32(id));
            }
        });
        addFlags.forEach((kind, add) -> {
            String key = FLAG_KEYS.get(kind);
            if (key != null) {
                kv.put(key, GgufValue.ofBool(add));
            }
        });
        List<String> named = chatTemplates.keySet().stream().filter(n -> !n.equals("default")).toList();
        named.forEach(name -> kv.put("tokenizer.chat_template." + name, GgufValue.ofString(chatTemplates.get(name))));
        if (!named.isEmpty()) {
            kv.put("tokenizer.chat_templates", GgufValue.ofArray(new GgufArray(GgufValueType.STRING, named.toArray(String[]::new))));
        }
        String template = chatTemplates.get("default");
        if (template != null && !template.isEmpty()) {
            kv.put("tokenizer.chat_template", GgufValue.ofString(template));
        }
        return kv;
    }
}
