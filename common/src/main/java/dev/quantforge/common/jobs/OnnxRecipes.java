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
 * The ONNX targets a job may ask for, so that services can check a request without depending on the engine (whose
 * {@code QuantizeParams.onnxTarget}, {@code OnnxPrecision} and {@code OnnxExportOptions} are the authority; a test in
 * the engine keeps these lists and rules equal to them), and the one {@link Recipe} spelling of each: format
 * {@code onnx}, the precision as the file type, and in the settings only what differs from the exporter's defaults
 * except an int4 block size, which is always given ({@code blockSize}, {@code symmetric}, {@code accuracyLevel},
 * {@code lmHead}, {@code activations}). Equal targets thus make equal recipes, and equal variant names:
 * {@code onnx-int8}, {@code onnx-int4-b32}, {@code onnx-int4-b128-sym-acc4}, {@code onnx-int8-lmfloat},
 * {@code onnx-int4-b128-fp16act}.
 */
public final class OnnxRecipes {
    public static final String FORMAT = "onnx";
    public static final Set<String> PRECISIONS = Set.of("fp32", "fp16", "int8", "int4");
    public static final String INT4 = "int4";
    /** The settings a recipe may carry, beside the precision in {@code ftype}. */
    public static final Set<String> SETTINGS = Set.of("blockSize", "symmetric", "accuracyLevel", "lmHead", "activations");
    /** The settings of int4 only. */
    public static final Set<String> INT4_SETTINGS = Set.of("blockSize", "symmetric", "accuracyLevel");
    public static final Set<Integer> BLOCK_SIZES = Set.of(16, 32, 64, 128, 256);
    public static final int DEFAULT_BLOCK_SIZE = 32;
    public static final int MIN_ACCURACY_LEVEL = 0;
    public static final int MAX_ACCURACY_LEVEL = 4;
    public static final Set<String> LM_HEADS = Set.of("quantize", "float");
    public static final String DEFAULT_LM_HEAD = "quantize";
    /** The activation dtypes of a quantized (int8, int4) variant: activations, KV cache and logits. */
    public static final Set<String> ACTIVATIONS = Set.of("fp32", "fp16");
    public static final String DEFAULT_ACTIVATIONS = "fp32";
    /** The precisions whose activation dtype is a choice (fp32 and fp16 fix theirs). */
    public static final Set<String> QUANTIZED = Set.of("int8", "int4");

    private OnnxRecipes() {
    }

    /**
     * The recipe of a checked ONNX target.
     *
     * @param precision     fp32, fp16, int8 or int4
     * @param blockSize     int4's block size, null for the default (ignored for the other precisions)
     * @param symmetric     int4's symmetric blocks, null for asymmetric
     * @param accuracyLevel int4's accuracy level, null for 0
     * @param lmHead        quantize, float or null for quantize
     */
    public static Recipe recipe(String precision, Integer blockSize, Boolean symmetric, Integer accuracyLevel, String lmHead) {
        return recipe(precision, blockSize, symmetric, accuracyLevel, lmHead, null);
    }

    /**
     * The recipe of a checked ONNX target, as {@link #recipe(String, Integer, Boolean, Integer, String)}.
     *
     * @param activations int8/int4's activation dtype: fp32, fp16 or null for fp32
     */
    public static Recipe recipe(String precision, Integer blockSize, Boolean symmetric, Integer accuracyLevel, String lmHead,
                                String activations) {
        String p = precision.strip().toLowerCase(Locale.ROOT);
        if (!PRECISIONS.contains(p)) {
            throw new InvalidInputException("unknown ONNX precision '" + precision + "'; known: " + new TreeSet<>(PRECISIONS));
        }
        SortedMap<String, String> settings = new TreeMap<>();
        if (INT4.equals(p)) {
            int block = blockSize == null ? DEFAULT_BLOCK_SIZE : blockSize;
            if (!BLOCK_SIZES.contains(block)) {
                throw new InvalidInputException("ONNX int4 block size must be 16, 32, 64, 128 or 256, got " + block);
            }
            settings.put("blockSize", Integer.toString(block));
            if (Boolean.TRUE.equals(symmetric)) {
                settings.put("symmetric", "true");
            }
            int level = accuracyLevel == null ? 0 : accuracyLevel;
            if (level < MIN_ACCURACY_LEVEL || level > MAX_ACCURACY_LEVEL) {
                throw new InvalidInputException("ONNX int4 accuracy level must be 0..4, got " + level);
            }
            if (level != 0) {
                settings.put("accuracyLevel", Integer.toString(level));
            }
        } else if (blockSize != null || symmetric != null || accuracyLevel != null) {
            throw new InvalidInputException("ONNX settings blockSize, symmetric and accuracyLevel apply to int4 only, not " + p);
        }
        String head = lmHead == null ? DEFAULT_LM_HEAD : lmHead.strip().toLowerCase(Locale.ROOT);
        if (!LM_HEADS.contains(head)) {
            throw new InvalidInputException("ONNX setting lmHead must be quantize or float, got '" + lmHead + "'");
        }
        if (!DEFAULT_LM_HEAD.equals(head)) {
            settings.put("lmHead", head);
        }
        String act = activations == null ? DEFAULT_ACTIVATIONS : activations.strip().toLowerCase(Locale.ROOT);
        if (!ACTIVATIONS.contains(act)) {
            throw new InvalidInputException("ONNX setting activations must be fp32 or fp16, got '" + activations + "'");
        }
        if (!DEFAULT_ACTIVATIONS.equals(act)) {
            if (!QUANTIZED.contains(p)) {
                throw new InvalidInputException("ONNX setting activations applies to int8 and int4 only, not " + p);
            }
            settings.put("activations", act);
        }
        return new Recipe(FORMAT, p, false, null, null, false, List.of(), settings);
    }

    /**
     * An ONNX recipe with its settings as strings (a profile's), checked and spelled as {@link #recipe} spells it.
     *
     * @throws InvalidInputException naming what is wrong
     */
    public static Recipe canonical(String precision, Map<String, String> settings) {
        Map<String, String> s = settings == null ? Map.of() : settings;
        for (String key : s.keySet()) {
            if (!SETTINGS.contains(key)) {
                throw new InvalidInputException("unknown ONNX setting '" + key + "'; known: " + new TreeSet<>(SETTINGS));
            }
        }
        Integer block = integer(s.get("blockSize"), "blockSize");
        Integer level = integer(s.get("accuracyLevel"), "accuracyLevel");
        Boolean symmetric = null;
        if (s.get("symmetric") != null) {
            String v = s.get("symmetric").strip().toLowerCase(Locale.ROOT);
            if (!v.equals("true") && !v.equals("false")) {
                throw new InvalidInputException("ONNX setting symmetric must be true or false, got '" + s.get("symmetric") + "'");
            }
            symmetric = Boolean.valueOf(v);
        }
        return recipe(precision, block, symmetric, level, s.get("lmHead"), s.get("activations"));
    }

    /**
     * The readable variant name of an ONNX recipe: {@code onnx-<precision>}, for int4 {@code -b<block>}, then
     * {@code -sym} and {@code -acc<level>} when set, {@code -fp16act} for float16 activations, {@code -lmfloat} for a
     * float lm_head; null when the recipe is not a valid ONNX recipe (its name is then the generic one).
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
        Map<String, String> s = c.settings();
        StringBuilder name = new StringBuilder("onnx-").append(c.ftype());
        if (s.containsKey("blockSize")) {
            name.append("-b").append(s.get("blockSize"));
        }
        if (s.containsKey("symmetric")) {
            name.append("-sym");
        }
        if (s.containsKey("accuracyLevel")) {
            name.append("-acc").append(s.get("accuracyLevel"));
        }
        if (s.containsKey("activations")) {
            name.append('-').append(s.get("activations")).append("act");
        }
        if (s.containsKey("lmHead")) {
            name.append("-lm").append(s.get("lmHead"));
        }
        return name.toString();
    }

    private static Integer integer(String value, String key) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Integer.valueOf(value.strip());
        } catch (NumberFormatException e) {
            throw new InvalidInputException("ONNX setting " + key + " must be an integer, got '" + value + "'");
        }
    }
}
