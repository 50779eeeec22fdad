package dev.quantforge.engine.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.testing.Models;
import dev.quantforge.engine.testing.TinyQwen2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HfTokenizersTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LLAMA3_REGEX =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    @TempDir
    Path tmp;

    @Test
    void stories260KSentencePieceBecomesALlamaVocabulary() {
        Path dir = Models.stories260K();
        GgufVocabulary v = HfTokenizers.read(dir, read(dir.resolve("config.json")), 512);
        assertEquals("llama", v.model());
        assertEquals(512, v.size());
        assertEquals(TokenType.BYTE, v.types().get(3));
        assertEquals("<0x0A>", v.tokens().get(13));
        assertEquals(Map.of("bos", 1, "eos", 2, "unk", 0), v.specialIds());
        assertEquals(List.of("bos", "eos", "unk"), List.copyOf(v.specialIds().keySet()), "config.json first, trainer spec last");
        assertEquals(Map.of("bos", true, "eos", false), v.addFlags());
        assertTrue(v.merges().isEmpty());
    }

    @Test
    void vocabularyLargerThanTheTokenizerIsPaddedAsLlamaCppDoes() {
        Path dir = Models.stories260K();
        GgufVocabulary v = HfTokenizers.read(dir, read(dir.resolve("config.json")), 515);
        assertEquals(List.of("[PAD512]", "[PAD513]", "[PAD514]"), v.tokens().subList(512, 515));
        assertEquals(TokenType.UNUSED, v.types().get(514));
        assertEquals(-10000f, v.scores()[513]);
    }

    @Test
    void sentencePieceModelParsesPiecesAndTrainerIds() {
        SentencePieceModel sp = SentencePieceModel.read(Models.stories260K().resolve("tokenizer.model"));
        assertEquals(512, sp.pieces().size());
        assertEquals(new SentencePieceModel.Piece("<unk>", 0, TokenType.UNKNOWN), sp.pieces().get(0));
        assertEquals(new SentencePieceModel.Piece("<s>", 0, TokenType.CONTROL), sp.pieces().get(1));
        assertEquals(new SentencePieceModel.Piece("he", -1, TokenType.NORMAL), sp.pieces().get(260), "type omitted → NORMAL");
        assertEquals(List.of(0, 1, 2, -1), List.of(sp.unkId(), sp.bosId(), sp.eosId(), sp.padId()));
        assertTrue(sp.addDummyPrefix());
    }

    @Test
    void malformedSentencePieceModelsAreRefused() {
        Path file = tmp.resolve("tokenizer.model");
        assertEquals("not a valid SentencePiece model: field of 5 bytes runs past the end of its message at byte 2",
                messageAfterPath(file, new byte[] {0x0A, 0x05, 0x0A, 0x01}));
        assertEquals("not a valid SentencePiece model: truncated varint at byte 2", messageAfterPath(file, new byte[] {0x30, (byte) 0x80}));
        assertEquals("not a valid SentencePiece model: piece has wire type 0, expected 2 at byte 1", messageAfterPath(file, new byte[] {0x08, 0x01}));
        assertEquals("not a valid SentencePiece model: piece 0 has no text at byte 7",
                messageAfterPath(file, new byte[] {0x0A, 0x05, 0x15, 0, 0, (byte) 0x80, 0x3F}));
        assertEquals("not a valid SentencePiece model: it holds no pieces", messageAfterPath(file, new byte[] {0x30, 0x01}));
        assertEquals("not a valid SentencePiece model: piece 0 has unknown type 9 at byte 8",
                messageAfterPath(file, new byte[] {0x0A, 0x06, 0x0A, 0x02, 'h', 'i', 0x18, 0x09}));
    }

    @Test
    void qwen2StyleTokenizerJson() {
        Path dir = TinyQwen2.write(tmp.resolve("qwen2"));
        GgufVocabulary v = HfTokenizers.read(dir, read(dir.resolve("config.json")), TinyQwen2.VOCAB);
        assertEquals("gpt2", v.model());
        assertEquals("qwen2", v.pre());
        assertEquals(List.of("eos", "pad", "bos"), List.copyOf(v.specialIds().keySet()), "tokenizer_config.json first");
    }

    @Test
    void llama3StyleTokenizerJsonAddsBosThroughItsTemplate() {
        Path dir = byteLevelTokenizer(tmp.resolve("llama3"), LLAMA3_REGEX, true);
        ObjectNode config = JSON.createObjectNode().put("bos_token_id", 259);
        config.putArray("eos_token_id").add(260).add(261); // a list names no single id
        GgufVocabulary v = HfTokenizers.read(dir, config, 262);
        assertEquals("gpt2", v.model());
        assertEquals("llama-bpe", v.pre());
        assertEquals(Map.of("bos", 259, "eos", 261), v.specialIds());
        assertEquals(Boolean.TRUE, v.addFlags().get("bos"));
        assertEquals(TokenType.CONTROL, v.types().get(261));
    }

    @Test
    void gpt2ByteLevelRegexIsRecognised() {
        Path dir = byteLevelTokenizer(tmp.resolve("gpt2"), null, false);
        assertEquals("gpt-2", HfTokenizers.read(dir, JSON.createObjectNode(), 262).pre());
    }

    @Test
    void unknownPreTokenizerIsRefusedByItsRegex() {
        Path dir = byteLevelTokenizer(tmp.resolve("odd"), "\\p{L}+|\\s+", false);
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> HfTokenizers.read(dir, JSON.createObjectNode(), 262));
        assertTrue(e.getMessage().contains("pre-tokenizer [\\p{L}+|\\s+] is not one llama.cpp implements"), e.getMessage());
    }

    @Test
    void sentencePieceStyleTokenizerJsonIsRefused() {
        Path dir = byteLevelTokenizer(tmp.resolve("spm-json"), LLAMA3_REGEX, false);
        ObjectNode tokenizer = read(dir.resolve("tokenizer.json"));
        ((ObjectNode) tokenizer.get("model")).put("byte_fallback", true);
        write(dir.resolve("tokenizer.json"), tokenizer);
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> HfTokenizers.read(dir, JSON.createObjectNode(), 262));
        assertTrue(e.getMessage().contains("a SentencePiece-style BPE"), e.getMessage());
    }

    @Test
    void tokenIdBeyondTheModelVocabularyIsRefused() {
        Path dir = byteLevelTokenizer(tmp.resolve("big"), LLAMA3_REGEX, false);
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> HfTokenizers.read(dir, JSON.createObjectNode(), 200));
        assertTrue(e.getMessage().endsWith("token id 261 is beyond the model's vocab_size 200"), e.getMessage());
    }

    /** A byte-level BPE tokenizer.json with ids 0-255 bytes, 256-258 merges, 259-261 special tokens. */
    private Path byteLevelTokenizer(Path dir, String regex, boolean template) {
        TinyQwen2.write(dir);
        ObjectNode tokenizer = read(dir.resolve("tokenizer.json"));
        ArrayNode added = tokenizer.putArray("added_tokens");
        added.addObject().put("id", 259).put("content", "<|begin_of_text|>").put("special", true);
        added.addObject().put("id", 260).put("content", "<|end_of_text|>").put("special", true);
        added.addObject().put("id", 261).put("content", "<|eot_id|>").put("special", true);
        ObjectNode pre = tokenizer.putObject("pre_tokenizer");
        if (regex == null) {
            pre.put("type", "ByteLevel").put("add_prefix_space", false).put("use_regex", true);
        } else {
            pre.put("type", "Sequence");
            ArrayNode steps = pre.putArray("pretokenizers");
            ObjectNode split = steps.addObject().put("type", "Split");
            split.putObject("pattern").put("Regex", regex);
            steps.addObject().put("type", "ByteLevel").put("use_regex", false);
        }
        if (template) {
            ObjectNode post = tokenizer.putObject("post_processor").put("type", "Sequence");
            ObjectNode t = post.putArray("processors").addObject().put("type", "TemplateProcessing");
            ArrayNode single = t.putArray("single");
            single.addObject().putObject("SpecialToken").put("id", "<|begin_of_text|>").put("type_id", 0);
            single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        }
        write(dir.resolve("tokenizer.json"), tokenizer);
        ObjectNode config = JSON.createObjectNode().put("bos_token", "<|begin_of_text|>").put("eos_token", "<|eot_id|>");
        write(dir.resolve("tokenizer_config.json"), config);
        return dir;
    }

    private static String messageAfterPath(Path file, byte[] content) {
        try {
            Files.write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> SentencePieceModel.read(file));
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        return e.getMessage().substring(file.toString().length() + 2);
    }

    private static ObjectNode read(Path file) {
        try {
            return (ObjectNode) JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, ObjectNode node) {
        try {
            JSON.writeValue(file.toFile(), node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
