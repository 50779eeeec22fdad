package dev.quantforge.engine.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.quantforge.common.InvalidInputException;

import java.io.IOException;
import java.io.UncheckedIOException;
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
        try {
            return requireObject(file, MAPPER.readTree(Files.readAllBytes(file)));
        } catch (JsonProcessingException e) {
            throw new InvalidInputException(file + ": not valid JSON: " + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** An empty object, for an optional file that is absent. */
    public static JsonNode emptyObject() {
        return MAPPER.createObjectNode();
    }

    /** Parses {@code bytes} (taken from {@code file}), which must hold a JSON object. */
    public static JsonNode parseObject(Path file, byte[] bytes, String what) {
        try {
            return requireObject(file, MAPPER.readTree(bytes));
        } catch (JsonProcessingException e) {
            throw new InvalidInputException(file + ": " + what + " is not valid JSON: " + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + what + " of " + file + ": " + e.getMessage(), e);
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
