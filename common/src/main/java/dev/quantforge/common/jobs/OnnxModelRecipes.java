package dev.quantforge.common.jobs;

import dev.quantforge.common.InvalidInputException;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Recipes that quantize an ONNX model source (an embedder, a classifier: a {@code .onnx} file) as ONNX Runtime's
 * quantization tool does, so that services can check them without the engine (whose {@code QuantizeParams} maps
 * them onto {@code OnnxQuantizeOptions}). Format {@code onnx-model}, the method as the file type ({@code int8-dynamic},
 * {@code int8-static}), and settings {@code perChannel}, {@code reduceRange} (true/false, default false) and, for
 * int8-static, {@code calibration} (minmax, the default, entropy or percentile). Only an ONNX model source takes
 * these recipes, and an ONNX model source takes only these.
 */
public final class OnnxModelRecipes {
    public static final String FORMAT = "onnx-model";
    public static final Set<String> METHODS = Set.of("int8-dynamic", "int8-static");
    public static final String STATIC = "int8-static";
    public static final Set<String> SETTINGS = Set.of("perChannel", "reduceRange", "calibration");
    public static final Set<String> CALIBRATIONS = Set.of("minmax", "entropy", "percentile");
    public static final String DEFAULT_CALIBRATION = "minmax";

    private OnnxModelRecipes() {
    }

    /**
     * The recipe with its settings checked and spelled one way: booleans only when true, the calibration only for
     * int8-static and only when not the default.
     *
     * @throws InvalidInputException naming what is wrong
     */
    public static Recipe canonical(String method, Map<String, String> settings) {
        String m = method.strip().toLowerCase(Locale.ROOT);
        if (!METHODS.contains(m)) {
            throw new InvalidInputException("unknown ONNX model quantization '" + method + "'; known: " + new TreeSet<>(METHODS));
        }
        Map<String, String> s = settings == null ? Map.of() : settings;
        for (String key : s.keySet()) {
            if (!SETTINGS.contains(key)) {
                throw new InvalidInputException("unknown ONNX model setting '" + key + "'; known: " + new TreeSet<>(SETTINGS));
            }
        }
        SortedMap<String, String> out = new TreeMap<>();
        for (String key : List.of("perChannel", "reduceRange")) {
            if (bool(s.get(key), key)) {
                out.put(key, "true");
            }
        }
        if (s.get("calibration") != null) {
            String c = s.get("calibration").strip().toLowerCase(Locale.ROOT);
            if (!STATIC.equals(m)) {
                throw new InvalidInputException("ONNX model setting calibration applies to int8-static only, not " + m);
            }
            if (!CALIBRATIONS.contains(c)) {
                throw new InvalidInputException("ONNX model setting calibration must be minmax, entropy or percentile, got '"
                        + s.get("calibration") + "'");
            }
            if (!DEFAULT_CALIBRATION.equals(c)) {
                out.put("calibration", c);
            }
        }
        return new Recipe(FORMAT, m, false, null, null, false, List.of(), out);
    }

    /**
     * {@code onnx-int8-dynamic}, then {@code -pc} (per channel), {@code -rr} (reduce range), and for int8-static the
     * calibration ({@code onnx-int8-static-minmax}); null when the recipe is not a valid ONNX model recipe.
     */
    static String variantName(Recipe recipe) {
        if (recipe.hasGgufTensorOptions()) {
            return null;
        }
        Recipe c;
        try {
            c = canonical(recipe.ftype(), recipe.settings());
        } catch (InvalidInputException e) {
            return null;
        }
        StringBuilder name = new StringBuilder("onnx-").append(c.ftype());
        if (STATIC.equals(c.ftype())) {
            name.append('-').append(c.settings().getOrDefault("calibration", DEFAULT_CALIBRATION));
        }
        if (c.settings().containsKey("perChannel")) {
            name.append("-pc");
        }
        if (c.settings().containsKey("reduceRange")) {
            name.append("-rr");
        }
        return name.toString();
    }

    private static boolean bool(String value, String key) {
        if (value == null || value.isBlank()) {
            return false;
        }
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new InvalidInputException("ONNX model setting " + key + " must be true or false, got '" + value + "'");
        };
    }
}
