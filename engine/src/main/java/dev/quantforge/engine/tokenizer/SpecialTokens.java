package dev.quantforge.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.json.JsonFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The special-token ids, the add-BOS/EOS flags and the chat templates of a Hugging Face checkpoint,
 * gathered from {@code tokenizer.json}, {@code tokenizer_config.json}, {@code config.json} and the
 * chat template files in the order and with the precedence of llama.cpp's {@code SpecialVocab}: the
 * first source that names a token's id wins.
 */
final class SpecialTokens {
    static final String TOKENIZER_CONFIG = "tokenizer_config.json";

    private final List<String> kinds = new ArrayList<>(List.of("bos", "eos", "unk", "sep", "pad", "cls", "mask"));
    private final Map<String, Integer> ids = new LinkedHashMap<>();
    private final Map<String, Boolean> addFlags = new LinkedHashMap<>();
    private final Map<String, String> chatTemplates = new LinkedHashMap<>();
    private final int vocabularySize;

    private SpecialTokens(int vocabularySize) {
        this.vocabularySize = vocabularySize;
    }

    /**
     * @param tokenizer the parsed {@code tokenizer.json}, if the checkpoint has one
     * @param config    the parsed {@code config.json}
     */
    static SpecialTokens read(Path dir, Optional<TokenizerJson> tokenizer, JsonNode config, int vocabularySize) {
        SpecialTokens special = new SpecialTokens(vocabularySize);
        special.fromTokenizerFiles(dir, tokenizer);
        special.fromConfig(config);
        return special;
    }

    /** Special token kind (bos, eos, unk, sep, pad, mask, eot, eom, cls) → id, in the order they were found. */
    Map<String, Integer> ids() {
        return ids;
    }

    /** add_bos / add_eos / add_sep flags, in the order they were found. */
    Map<String, Boolean> addFlags() {
        return addFlags;
    }

    /** Template name → template; the unnamed one is "default". */
    Map<String, String> chatTemplates() {
        return chatTemplates;
    }

    /** Fills a kind no file named, e.g. from the SentencePiece trainer spec. */
    void fallback(String kind, int id) {
        set(kind, id);
    }

    private void fromTokenizerFiles(Path dir, Optional<TokenizerJson> tokenizer) {
        Path configFile = dir.resolve(TOKENIZER_CONFIG);
        ObjectNode tokenizerConfig = Files.isRegularFile(configFile) ? (ObjectNode) JsonFiles.readObject(configFile).deepCopy() : null;
        List<TokenizerJson.AddedToken> added = tokenizer.map(TokenizerJson::addedTokens).orElse(List.of());
        tokenizer.flatMap(TokenizerJson::postProcessor).ifPresent(p -> fromPostProcessor(p, tokenizerConfig));
        if (tokenizerConfig == null) {
            return;
        }
        readChatTemplates(dir, tokenizerConfig);
        for (String kind : kinds) {
            JsonNode add = tokenizerConfig.get("add_" + kind + "_token");
            if (add != null && add.isBoolean()) {
                addFlags.put(kind, add.booleanValue());
            }
            String content = tokenContent(tokenizerConfig.get(kind + "_token"));
            if (content != null) {
                added.stream().filter(t -> t.content().equals(content)).findFirst().ifPresent(t -> set(kind, t.id()));
            }
        }
    }

    /**
     * A TemplateProcessing post-processor shows whether BOS and EOS are added: the special token that
     * opens the single-sequence template is the BOS, the one that closes it the EOS.
     */
    private void fromPostProcessor(JsonNode postProcessor, ObjectNode tokenizerConfig) {
        String bos = tokenizerConfig == null ? null : tokenContent(tokenizerConfig.get("bos_token"));
        String cls = tokenizerConfig == null ? null : tokenContent(tokenizerConfig.get("cls_token"));
        String eos = tokenizerConfig == null ? null : tokenContent(tokenizerConfig.get("eos_token"));
        String sep = tokenizerConfig == null ? null : tokenContent(tokenizerConfig.get("sep_token"));
        if (bos == null && cls != null && tokenizerConfig != null) {
            tokenizerConfig.put("bos_token", cls);
            bos = cls;
        }
        if (eos == null && sep != null && tokenizerConfig != null) {
            tokenizerConfig.put("eos_token", sep);
            eos = sep;
        }
        Iterable<JsonNode> processors = postProcessor.has("processors") ? postProcessor.get("processors") : List.of(postProcessor);
        for (JsonNode processor : processors) {
            String type = processor.path("type").asText("");
            if (type.equals("RobertaProcessing")) {
                addFlags.put("bos", true);
                addFlags.put("eos", true);
                addFlags.put("sep", true);
            } else if (type.equals("TemplateProcessing") && processor.path("single").size() > 1) {
                JsonNode single = processor.get("single");
                String first = single.get(0).path("SpecialToken").path("id").textValue();
                if (first != null) {
                    if (tokenizerConfig == null) {
                        bos = first;
                    }
                    addFlags.put("bos", first.equals(bos) || first.equals(cls));
                }
                String last = single.get(single.size() - 1).path("SpecialToken").path("id").textValue();
                if (last != null) {
                    if (tokenizerConfig == null) {
                        eos = last;
                    } else if (!last.equals(eos)) {
                        // the template ends with another token than the configured EOS: that one ends
                        // turns (EOT, else EOM) and the template's token becomes the EOS
                        String demoted = !kinds.contains("eot") ? "eot" : !kinds.contains("eom") ? "eom" : null;
                        if (demoted != null) {
                            kinds.add(demoted);
                            if (eos != null) {
                                tokenizerConfig.put(demoted + "_token", eos);
                            }
                        }
                        tokenizerConfig.put("eos_token", last);
                        eos = last;
                    }
                    addFlags.put("eos", last.equals(eos));
                }
            }
        }
    }

    private static String tokenContent(JsonNode entry) {
        if (entry == null) {
            return null;
        }
        if (entry.isTextual()) {
            return entry.textValue();
        }
        return entry.path("content").isTextual() ? entry.get("content").textValue() : null;
    }

    private void readChatTemplates(Path dir, JsonNode tokenizerConfig) {
        JsonNode inline = tokenizerConfig.get("chat_template");
        if (inline != null && inline.isTextual()) {
            chatTemplates.put("default", inline.textValue());
        } else if (inline != null && inline.isArray()) {
            for (JsonNode choice : inline) {
                String name = choice.path("name").asText("").replaceAll("[^A-Za-z0-9]", "_");
                JsonNode template = choice.get("template");
                if (!name.isEmpty() && template != null && template.isTextual()) {
                    chatTemplates.put(name, template.textValue());
                }
            }
        } else if (inline == null || inline.isNull()) {
            readChatTemplateFiles(dir);
        } else {
            throw new InvalidInputException(dir.resolve(TOKENIZER_CONFIG) + ": chat_template must be a string or a list");
        }
    }

    private void readChatTemplateFiles(Path dir) {
        Path jinja = dir.resolve("chat_template.jinja");
        Path json = dir.resolve("chat_template.json");
        if (Files.isRegularFile(jinja)) {
            chatTemplates.put("default", readString(jinja));
            Path more = dir.resolve("additional_chat_templates");
            if (Files.isDirectory(more)) {
                try (Stream<Path> files = Files.list(more)) {
                    files.filter(f -> f.getFileName().toString().endsWith(".jinja")).sorted().forEach(f -> {
                        String stem = f.getFileName().toString().replaceFirst("\\.jinja$", "");
                        chatTemplates.put(stem.replaceAll("[^A-Za-z0-9]", "_"), readString(f));
                    });
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list " + more + ": " + e.getMessage(), e);
                }
            }
        } else if (Files.isRegularFile(json)) {
            JsonNode template = JsonFiles.readObject(json).get("chat_template");
            if (template != null && template.isTextual()) {
                chatTemplates.put("default", template.textValue());
            }
        }
    }

    private static String readString(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private void fromConfig(JsonNode config) {
        JsonNode textConfig = config.path("text_config");
        for (String kind : kinds) {
            JsonNode id = config.get(kind + "_token_id");
            if (id == null || id.isNull()) {
                id = textConfig.get(kind + "_token_id");
            }
            // a list (several EOS ids, as Llama 3.1 has) names no single id: llama.cpp skips it too
            if (id != null && id.isIntegralNumber() && id.canConvertToInt()) {
                set(kind, id.intValue());
            }
        }
    }

    /** Keeps the first id found for a kind; ids outside the vocabulary (or negative) name nothing. */
    private void set(String kind, int id) {
        Objects.requireNonNull(kind);
        if (id >= 0 && id < vocabularySize) {
            ids.putIfAbsent(kind, id);
        }
    }
}
