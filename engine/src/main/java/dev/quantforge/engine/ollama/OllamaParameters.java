package dev.quantforge.engine.ollama;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.oci.GoJson;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Modelfile {@code PARAMETER}s, typed as Ollama's {@code api.FormatParams} types them from its {@code Options}
 * struct (an int field becomes an int64, a float32 field a float32, {@code stop} a list that repeats add to), so
 * the params blob's JSON, and its digest, are what Ollama writes.
 */
public final class OllamaParameters {
    private enum Kind { INT, FLOAT, BOOL, STRINGS }

    private static final Map<String, Kind> KINDS = Map.ofEntries(
            Map.entry("num_ctx", Kind.INT), Map.entry("num_batch", Kind.INT), Map.entry("num_gpu", Kind.INT),
            Map.entry("main_gpu", Kind.INT), Map.entry("use_mmap", Kind.BOOL), Map.entry("num_thread", Kind.INT),
            Map.entry("num_keep", Kind.INT), Map.entry("seed", Kind.INT), Map.entry("num_predict", Kind.INT),
            Map.entry("top_k", Kind.INT), Map.entry("top_p", Kind.FLOAT), Map.entry("min_p", Kind.FLOAT),
            Map.entry("typical_p", Kind.FLOAT), Map.entry("repeat_last_n", Kind.INT), Map.entry("temperature", Kind.FLOAT),
            Map.entry("repeat_penalty", Kind.FLOAT), Map.entry("presence_penalty", Kind.FLOAT),
            Map.entry("frequency_penalty", Kind.FLOAT), Map.entry("stop", Kind.STRINGS));

    /** In the order given, for the Modelfile. */
    private final List<Map.Entry<String, String>> given = new ArrayList<>();
    private final Map<String, Object> typed = new LinkedHashMap<>();

    /** {@code KEY=VALUE} pairs, as {@code --parameter} gives them. */
    public static OllamaParameters parse(List<String> pairs) {
        OllamaParameters p = new OllamaParameters();
        for (String pair : pairs) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new InvalidInputException("parameter '" + pair + "' is not KEY=VALUE");
            }
            p.add(pair.substring(0, eq).trim(), pair.substring(eq + 1));
        }
        return p;
    }

    @SuppressWarnings("unchecked")
    public OllamaParameters add(String key, String value) {
        Kind kind = KINDS.get(key);
        if (kind == null) {
            throw new InvalidInputException("unknown Ollama parameter '" + key + "' (known: " + KINDS.keySet().stream().sorted().toList() + ")");
        }
        try {
            switch (kind) {
                case INT -> typed.put(key, Long.parseLong(value.trim()));
                case FLOAT -> typed.put(key, new GoJson.Float32(Float.parseFloat(value.trim())));
                case BOOL -> typed.put(key, parseBool(value.trim()));
                case STRINGS -> ((List<String>) typed.computeIfAbsent(key, k -> new ArrayList<String>())).add(value);
            }
        } catch (NumberFormatException e) {
            throw new InvalidInputException("parameter " + key + " takes " + kind.name().toLowerCase() + " values, not '" + value + "'");
        }
        given.add(Map.entry(key, value));
        return this;
    }

    private static boolean parseBool(String s) {
        return switch (s) {
            case "1", "t", "T", "TRUE", "true", "True" -> true;
            case "0", "f", "F", "FALSE", "false", "False" -> false;
            default -> throw new NumberFormatException(s);
        };
    }

    public boolean isEmpty() {
        return given.isEmpty();
    }

    /** The params blob, as {@code json.NewEncoder(&b).Encode(p)} writes the map (keys sorted). */
    public byte[] blob() {
        return GoJson.encode(GoJson.sorted(typed));
    }

    /** Key and value of each {@code PARAMETER} line, in the order given. */
    public List<Map.Entry<String, String>> lines() {
        return List.copyOf(given);
    }
}
