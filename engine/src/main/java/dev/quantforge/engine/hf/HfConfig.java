package dev.quantforge.engine.hf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.json.JsonFiles;

import java.nio.file.Path;
import java.util.Optional;

/** A checkpoint's {@code config.json}, with typed, checked access that names the file and key on error. */
public final class HfConfig {
    public static final String FILE = "config.json";

    private final Path file;
    private final JsonNode root;

    private HfConfig(Path file, JsonNode root) {
        this.file = file;
        this.root = root;
    }

    public static HfConfig read(Path dir) {
        Path file = dir.resolve(FILE);
        return new HfConfig(file, JsonFiles.readObject(file));
    }

    public Path file() {
        return file;
    }

    public JsonNode json() {
        return root;
    }

    /** The first entry of {@code architectures}. */
    public String architecture() {
        JsonNode list = root.get("architectures");
        if (list == null || !list.isArray() || list.isEmpty() || !list.get(0).isTextual()) {
            throw problem("needs an architectures list naming the model class (supported: " + HfArchitecture.supported() + ")");
        }
        return list.get(0).textValue();
    }

    public int positiveInt(String key) {
        return optionalPositiveInt(key).orElseThrow(() -> problem(key + " is missing"));
    }

    public Optional<Integer> optionalPositiveInt(String key) {
        JsonNode v = present(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() <= 0) {
            throw problem(key + " must be a positive integer, got " + v);
        }
        return Optional.of(v.intValue());
    }

    public double positiveNumber(String key) {
        return optionalPositiveNumber(key).orElseThrow(() -> problem(key + " is missing"));
    }

    public Optional<Double> optionalPositiveNumber(String key) {
        return number(root, key);
    }

    /** A positive number inside a nested object such as {@code rope_scaling}. */
    Optional<Double> number(JsonNode object, String key) {
        JsonNode v = object.get(key);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isNumber() || !(v.doubleValue() > 0) || Double.isInfinite(v.doubleValue())) {
            throw problem(key + " must be a positive number, got " + v);
        }
        return Optional.of(v.doubleValue());
    }

    public boolean bool(String key, boolean absent) {
        JsonNode v = present(key);
        if (v == null) {
            return absent;
        }
        if (!v.isBoolean()) {
            throw problem(key + " must be true or false, got " + v);
        }
        return v.booleanValue();
    }

    /** The value of {@code key} if present and not null. */
    public Optional<JsonNode> node(String key) {
        return Optional.ofNullable(present(key));
    }

    private JsonNode present(String key) {
        JsonNode v = root.get(key);
        return v == null || v.isNull() ? null : v;
    }

    InvalidInputException problem(String problem) {
        return new InvalidInputException(file + ": " + problem);
    }
}
