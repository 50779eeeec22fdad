package dev.quantforge.engine.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.quantforge.common.InvalidInputException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads the JSON files of a model checkpoint, with one-line errors that name the file. */
public final class JsonFiles {
    /** Duplicate keys are refused: a file that says two things about one key is not trusted. */
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** Larger JSON files than this are not model metadata (tokenizer.json of big vocabularies is ~20 MB). */
    private static final long MAX_BYTES = 512L << 20;

    private JsonFiles() {
    }

    /** Reads {@code file}, which must hold a JSON object. */
    public static JsonNode readObject(Path file) {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(file + ": no such file");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (size > MAX_BYTES) {
            throw new InvalidInputException(file + ": " + size + " bytes is too large for a JSON metadata file");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return parse(file, bytes, "");
    }

    /** An empty object, for an optional file that is absent. */
    public static JsonNode emptyObject() {
        return MAPPER.createObjectNode();
    }

    /** Parses {@code bytes} (taken from {@code file}), which must hold a JSON object. */
    public static JsonNode parseObject(Path file, byte[] bytes, String what) {
        return parse(file, bytes, what + " ");
    }

    /**
     * JSON files of a checkpoint are UTF-8 (RFC 8259 for files exchanged between systems): the bytes are decoded
     * strictly as such, not by Jackson's guess (which takes some bytes for UTF-32 and fails with an I/O error).
     * Everything that goes wrong from here on is the file's fault.
     */
    private static JsonNode parse(Path file, byte[] bytes, String what) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new InvalidInputException(file + ": " + what + "is not UTF-8 text");
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1); // a byte order mark, which some editors write
        }
        try {
            return requireObject(file, MAPPER.readTree(text));
        } catch (JsonProcessingException e) {
            String problem = e.getOriginalMessage() == null ? e.toString() : firstLine(e.getOriginalMessage());
            throw new InvalidInputException(file + ": " + what + (what.isEmpty() ? "not valid JSON: " : "is not valid JSON: ")
                    + problem);
        } catch (IOException e) {
            throw new InvalidInputException(file + ": " + what + "cannot be parsed as JSON: " + e.getMessage());
        }
    }

    private static JsonNode requireObject(Path file, JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new InvalidInputException(file + ": expected a JSON object, found "
                    + (node == null || node.isMissingNode() ? "nothing" : node.getNodeType().toString().toLowerCase()));
        }
        return node;
    }

    private static String firstLine(String message) {
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
