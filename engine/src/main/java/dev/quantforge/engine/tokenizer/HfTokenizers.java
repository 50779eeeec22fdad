package dev.quantforge.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.json.JsonFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns the tokenizer of a Hugging Face checkpoint into a GGUF vocabulary with the rules of llama.cpp's
 * {@code convert_hf_to_gguf.py}: a SentencePiece {@code tokenizer.model} becomes a "llama" vocabulary,
 * else a byte-level BPE {@code tokenizer.json} becomes a "gpt2" one.
 */
public final class HfTokenizers {
    public static final String SENTENCEPIECE_MODEL = "tokenizer.model";
    public static final String TOKENIZER_JSON = "tokenizer.json";

    /** Score of the padding entries llama.cpp fills unused ids with. */
    private static final float PAD_SCORE = -10000f;
    /** Score llama.cpp gives added and special tokens. */
    private static final float ADDED_SCORE = -1000f;

    /**
     * The pre-tokenizer regexes llama.cpp implements, as tokenizer.json spells them. llama.cpp itself tells
     * them apart by hashing the tokenization of a probe text; matching the declared regex picks the same
     * name for the families quantforge supports without running a tokenizer.
     */
    private static final Map<String, String> PRE_TOKENIZERS = Map.of(
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
            "llama-bpe",
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
            "qwen2");

    private HfTokenizers() {
    }

    /**
     * @param config         the checkpoint's parsed {@code config.json} (special token ids)
     * @param vocabularySize the model's vocabulary size; the token list is padded or cut to it
     */
    public static GgufVocabulary read(Path dir, JsonNode config, int vocabularySize) {
        Path sentencePiece = dir.resolve(SENTENCEPIECE_MODEL);
        Path tokenizerJson = dir.resolve(TOKENIZER_JSON);
        if (Files.isRegularFile(sentencePiece)) {
            Optional<TokenizerJson> json = Files.isRegularFile(tokenizerJson) ? Optional.of(TokenizerJson.read(tokenizerJson)) : Optional.empty();
            return sentencePiece(dir, SentencePieceModel.read(sentencePiece), json, config, vocabularySize);
        }
        if (Files.isRegularFile(tokenizerJson)) {
            return byteLevelBpe(dir, TokenizerJson.read(tokenizerJson), config, vocabularySize);
        }
        throw new InvalidInputException(dir + ": no tokenizer (neither " + SENTENCEPIECE_MODEL + " nor " + TOKENIZER_JSON + ")");
    }

    private static GgufVocabulary sentencePiece(Path dir, SentencePieceModel sp, Optional<TokenizerJson> json,
                                                JsonNode config, int vocabularySize) {
        String[] tokens = new String[vocabularySize];
        float[] scores = new float[vocabularySize];
        TokenType[] types = new TokenType[vocabularySize];
        for (int i = 0; i < vocabularySize; i++) {
            tokens[i] = "[PAD" + i + "]";
            scores[i] = PAD_SCORE;
            types[i] = TokenType.UNUSED;
        }
        // pieces beyond the model's vocabulary size have no embedding row: llama.cpp drops them too
        for (int i = 0; i < Math.min(sp.pieces().size(), vocabularySize); i++) {
            SentencePieceModel.Piece piece = sp.pieces().get(i);
            tokens[i] = piece.text();
            scores[i] = piece.score();
            // llama.cpp's converter asks sentencepiece only for unknown, control, unused and byte
            // pieces; user-defined ones end up NORMAL
            types[i] = piece.type() == TokenType.USER_DEFINED ? TokenType.NORMAL : piece.type();
        }
        Path addedTokensFile = dir.resolve("added_tokens.json");
        if (Files.isRegularFile(addedTokensFile)) {
            for (Iterator<Map.Entry<String, JsonNode>> it = JsonFiles.readObject(addedTokensFile).fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                int id = e.getValue().asInt(-1);
                if (id >= 0 && id < vocabularySize) {
                    tokens[id] = e.getKey();
                    scores[id] = ADDED_SCORE;
                    types[id] = TokenType.USER_DEFINED;
                }
            }
        }
        JsonNode tokenizerConfig = tokenizerConfig(dir);
        for (Iterator<Map.Entry<String, JsonNode>> it = tokenizerConfig.path("added_tokens_decoder").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int id = parseId(dir, e.getKey());
            String content = e.getValue().path("content").textValue();
            if (content == null || id >= vocabularySize) {
                continue;
            }
            if (e.getValue().path("special").asBoolean(false) || looksSpecial(content)) {
                types[id] = TokenType.CONTROL;
            } else {
                content = content.replace('\u2581', ' '); // user-defined tokens are matched pre-normalized
                types[id] = TokenType.USER_DEFINED;
            }
            scores[id] = ADDED_SCORE;
            tokens[id] = content;
        }
        SpecialTokens special = SpecialTokens.read(dir, json, config, vocabularySize);
        // ids the files leave unnamed come from the SentencePiece trainer spec
        special.fallback("unk", sp.unkId());
        special.fallback("bos", sp.bosId());
        special.fallback("eos", sp.eosId());
        special.fallback("pad", sp.padId());
        Boolean addSpacePrefix = addPrefixSpace(tokenizerConfig).orElse(sp.addDummyPrefix() ? null : Boolean.FALSE);
        return new GgufVocabulary("llama", "default", Arrays.asList(tokens), scores, Arrays.asList(types), List.of(),
                special.ids(), special.addFlags(), special.chatTemplates(), addSpacePrefix);
    }

    private static GgufVocabulary byteLevelBpe(Path dir, TokenizerJson json, JsonNode config, int vocabularySize) {
        Path file = json.file();
        if (!json.modelType().equals("BPE")) {
            throw new InvalidInputException(file + ": a " + json.modelType() + " tokenizer without " + SENTENCEPIECE_MODEL
                    + "; only byte-level BPE tokenizer.json files are supported");
        }
        if (json.byteFallback() || !json.decoderType().equals("ByteLevel")) {
            throw new InvalidInputException(file + ": a SentencePiece-style BPE (byte_fallback, " + json.decoderType()
                    + " decoder); convert it with its " + SENTENCEPIECE_MODEL);
        }
        String pre = preTokenizer(json);
        Map<Integer, String> byId = new HashMap<>();
        json.vocab().forEach((token, id) -> byId.put(id, token));
        Map<Integer, TokenizerJson.AddedToken> added = new HashMap<>();
        for (TokenizerJson.AddedToken t : json.addedTokens()) {
            byId.put(t.id(), t.content());
            added.put(t.id(), t);
        }
        int maxId = byId.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1);
        if (maxId >= vocabularySize) {
            throw new InvalidInputException(file + ": token id " + maxId + " is beyond the model's vocab_size " + vocabularySize);
        }
        List<String> tokens = new ArrayList<>(vocabularySize);
        List<TokenType> types = new ArrayList<>(vocabularySize);
        for (int i = 0; i < vocabularySize; i++) {
            String token = byId.get(i);
            TokenizerJson.AddedToken addedToken = added.get(i);
            if (token == null) {
                tokens.add("[PAD" + i + "]");
                types.add(TokenType.UNUSED);
            } else if (addedToken == null) {
                tokens.add(token);
                types.add(TokenType.NORMAL);
            } else if (addedToken.special() || looksSpecial(token)) {
                tokens.add(token);
                types.add(TokenType.CONTROL);
            } else {
                tokens.add(token.replace('\u2581', ' '));
                types.add(TokenType.USER_DEFINED);
            }
        }
        List<String> merges = json.merges();
        if (merges.isEmpty()) {
            merges = mergesTxt(dir);
        }
        if (merges.isEmpty()) {
            throw new InvalidInputException(file + ": a BPE tokenizer without merges (and no merges.txt)");
        }
        SpecialTokens special = SpecialTokens.read(dir, Optional.of(json), config, vocabularySize);
        return new GgufVocabulary("gpt2", pre, tokens, null, types, merges, special.ids(), special.addFlags(),
                special.chatTemplates(), addPrefixSpace(tokenizerConfig(dir)).orElse(null));
    }

    private static String preTokenizer(TokenizerJson json) {
        JsonNode pre = json.preTokenizer().orElseThrow(() ->
                new InvalidInputException(json.file() + ": a BPE tokenizer without a pre_tokenizer"));
        List<JsonNode> steps = new ArrayList<>();
        if (pre.path("type").asText().equals("Sequence")) {
            pre.path("pretokenizers").forEach(steps::add);
        } else {
            steps.add(pre);
        }
        List<String> regexes = new ArrayList<>();
        boolean byteLevelRegex = false;
        for (JsonNode step : steps) {
            String type = step.path("type").asText();
            if (type.equals("Split") && step.path("pattern").has("Regex")) {
                regexes.add(step.path("pattern").path("Regex").asText());
            } else if (type.equals("ByteLevel")) {
                byteLevelRegex |= step.path("use_regex").asBoolean(true);
            }
        }
        if (regexes.size() == 1 && PRE_TOKENIZERS.containsKey(regexes.get(0)) && !byteLevelRegex) {
            return PRE_TOKENIZERS.get(regexes.get(0));
        }
        if (regexes.isEmpty() && byteLevelRegex) {
            return "gpt-2";
        }
        throw new InvalidInputException(json.file() + ": pre-tokenizer " + (regexes.isEmpty() ? pre.path("type").asText() : regexes)
                + " is not one llama.cpp implements that quantforge recognises (Llama-3 → llama-bpe, Qwen2 → qwen2, GPT-2 → gpt-2)");
    }

    private static List<String> mergesTxt(Path dir) {
        Path file = dir.resolve("merges.txt");
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        List<String> merges = new ArrayList<>();
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (line.isEmpty() || (i == 0 && line.startsWith("#"))) {
                    continue;
                }
                String[] parts = line.split("\\s+");
                if (parts.length == 2) {
                    merges.add(parts[0] + " " + parts[1]);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return merges;
    }

    private static JsonNode tokenizerConfig(Path dir) {
        Path file = dir.resolve(SpecialTokens.TOKENIZER_CONFIG);
        return Files.isRegularFile(file) ? JsonFiles.readObject(file) : JsonFiles.emptyObject();
    }

    private static Optional<Boolean> addPrefixSpace(JsonNode tokenizerConfig) {
        JsonNode v = tokenizerConfig.get("add_prefix_space");
        return v != null && v.isBoolean() ? Optional.of(v.booleanValue()) : Optional.empty();
    }

    private static int parseId(Path dir, String key) {
        try {
            int id = Integer.parseInt(key);
            if (id >= 0) {
                return id;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new InvalidInputException(dir.resolve(SpecialTokens.TOKENIZER_CONFIG) + ": added_tokens_decoder key " + key
                + " is not a token id");
    }

    /** Added tokens some models forget to mark special, recognised by their look as llama.cpp does. */
    static boolean looksSpecial(String token) {
        return token.equals("<pad>") || token.equals("<mask>") || token.equals("<2mass>") || token.equals("[@BOS@]")
                || (token.startsWith("<|") && token.endsWith("|>"))
                || (token.startsWith("<\uFF5C") && token.endsWith("\uFF5C>"))
                || (token.startsWith("<unused") && token.endsWith(">"));
    }
}
