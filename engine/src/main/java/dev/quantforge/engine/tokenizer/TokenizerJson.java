package dev.quantforge.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.json.JsonFiles;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The parts of a Hugging Face {@code tokenizer.json} that a GGUF vocabulary is made from. */
public final class TokenizerJson {

    /** An entry of {@code added_tokens}. */
    public record AddedToken(int id, String content, boolean special, boolean normalized) {
    }

    private final Path file;
    private final JsonNode root;
    private final String modelType;
    private final Map<String, Integer> vocab;
    private final List<AddedToken> addedTokens;

    private TokenizerJson(Path file, JsonNode root, String modelType, Map<String, Integer> vocab, List<AddedToken> addedTokens) {
        this.file = file;
        this.root = root;
        this.modelType = modelType;
        this.vocab = Collections.unmodifiableMap(vocab);
        this.addedTokens = List.copyOf(addedTokens);
    }

    public static TokenizerJson read(Path file) {
        JsonNode root = JsonFiles.readObject(file);
        JsonNode model = root.path("model");
        if (!model.isObject()) {
            throw new InvalidInputException(file + ": has no model object");
        }
        String modelType = model.path("type").asText("");
        Map<String, Integer> vocab = new LinkedHashMap<>();
        JsonNode vocabNode = model.path("vocab");
        if (vocabNode.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = vocabNode.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                vocab.put(e.getKey(), tokenId(file, "model.vocab." + e.getKey(), e.getValue()));
            }
        }
        List<AddedToken> added = new ArrayList<>();
        for (JsonNode t : root.path("added_tokens")) {
            JsonNode content = t.get("content");
            if (content == null || !content.isTextual()) {
                throw new InvalidInputException(file + ": an added_tokens entry has no content");
            }
            added.add(new AddedToken(tokenId(file, "added token " + content.textValue(), t.get("id")),
                    content.textValue(), t.path("special").asBoolean(false), t.path("normalized").asBoolean(true)));
        }
        return new TokenizerJson(file, root, modelType, vocab, added);
    }

    private static int tokenId(Path file, String what, JsonNode node) {
        if (node == null || !node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() < 0) {
            throw new InvalidInputException(file + ": " + what + " needs a non-negative integer id, got " + node);
        }
        return node.intValue();
    }

    public Path file() {
        return file;
    }

    /** {@code model.type}: BPE, Unigram, WordPiece, … */
    public String modelType() {
        return modelType;
    }

    public boolean byteFallback() {
        return root.path("model").path("byte_fallback").asBoolean(false);
    }

    /** {@code model.vocab}: token → id. */
    public Map<String, Integer> vocab() {
        return vocab;
    }

    public List<AddedToken> addedTokens() {
        return addedTokens;
    }

    /**
     * {@code model.merges} in GGUF's form, {@code "left right"}. The newer pair form may hold spaces
     * inside a part; those are written as U+0120, the byte-level stand-in for a space, as llama.cpp does.
     */
    public List<String> merges() {
        List<String> merges = new ArrayList<>();
        for (JsonNode m : root.path("model").path("merges")) {
            if (m.isTextual()) {
                merges.add(m.textValue());
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                merges.add(m.get(0).textValue().replace(' ', '\u0120') + " " + m.get(1).textValue().replace(' ', '\u0120'));
            } else {
                throw new InvalidInputException(file + ": model.merges entry " + m + " is neither \"a b\" nor [\"a\", \"b\"]");
            }
        }
        return merges;
    }

    public Optional<JsonNode> preTokenizer() {
        return present(root.get("pre_tokenizer"));
    }

    public Optional<JsonNode> postProcessor() {
        return present(root.get("post_processor"));
    }

    public String decoderType() {
        return root.path("decoder").path("type").asText("");
    }

    private static Optional<JsonNode> present(JsonNode node) {
        return node == null || node.isNull() ? Optional.empty() : Optional.of(node);
    }
}
