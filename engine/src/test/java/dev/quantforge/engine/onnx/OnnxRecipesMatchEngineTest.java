package dev.quantforge.engine.onnx;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.common.jobs.OnnxRecipes;
import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.common.profiles.HardwareProfile;
import dev.quantforge.common.profiles.HardwareProfiles;
import dev.quantforge.engine.variant.OnnxTarget;
import dev.quantforge.engine.variant.QuantizeParams;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The API checks ONNX targets with common's lists and rules and spells them as common's recipes: the engine must agree. */
class OnnxRecipesMatchEngineTest {

    @Test
    void theListsAreTheEngines() {
        assertEquals(QuantizeParams.ONNX_SETTINGS, OnnxRecipes.SETTINGS);
        assertEquals(Arrays.stream(OnnxPrecision.values()).map(OnnxPrecision::label).collect(Collectors.toSet()),
                OnnxRecipes.PRECISIONS);
        assertEquals(OnnxPrecision.INT4.label(), OnnxRecipes.INT4);
        assertEquals(OnnxExportOptions.DEFAULT_BLOCK_SIZE, OnnxRecipes.DEFAULT_BLOCK_SIZE);
        OnnxExportOptions defaults = OnnxExportOptions.of(OnnxPrecision.INT4);
        assertFalse(defaults.symmetric());
        assertEquals(0, defaults.accuracyLevel());
        assertTrue(defaults.quantizeLmHead(), "lmHead quantize is the default on both sides");
        assertEquals(OnnxActivations.FP32.label(), OnnxRecipes.DEFAULT_ACTIVATIONS);
        assertEquals(OnnxActivations.FP32, defaults.activations(), "float32 activations are the default on both sides");
        assertEquals(Arrays.stream(OnnxActivations.values()).map(OnnxActivations::label).collect(Collectors.toSet()),
                OnnxRecipes.ACTIVATIONS);
        assertEquals(Arrays.stream(OnnxPrecision.values()).filter(OnnxPrecision::quantized).map(OnnxPrecision::label)
                .collect(Collectors.toSet()), OnnxRecipes.QUANTIZED);
        // every block size and accuracy level common accepts, the engine accepts; and the next ones out, neither
        for (int block = 1; block <= 512; block++) {
            int b = block;
            boolean common = OnnxRecipes.BLOCK_SIZES.contains(block);
            boolean engine = accepts(() -> defaults.withBlockSize(b));
            assertEquals(common, engine, "block size " + block);
        }
        for (int level = -2; level <= 6; level++) {
            int l = level;
            boolean common = level >= OnnxRecipes.MIN_ACCURACY_LEVEL && level <= OnnxRecipes.MAX_ACCURACY_LEVEL;
            assertEquals(common, accepts(() -> defaults.withAccuracyLevel(l)), "accuracy level " + level);
        }
    }

    @Test
    void everyRecipeSpellingBuildsTheTargetItNames() {
        assertTarget(OnnxRecipes.recipe("int4", 32, null, null, null), "onnx-int4-b32", 32, false, 0, true);
        assertTarget(OnnxRecipes.recipe("INT4", null, false, 0, "quantize"), "onnx-int4-b32", 32, false, 0, true);
        assertTarget(OnnxRecipes.recipe("int4", 32, null, 4, null), "onnx-int4-b32-acc4", 32, false, 4, true);
        assertTarget(OnnxRecipes.recipe("int4", 128, true, 4, "float"), "onnx-int4-b128-sym-acc4-lmfloat", 128, true, 4, false);
        assertTarget(OnnxRecipes.recipe("int8", null, null, null, null), "onnx-int8", 32, false, 0, true);
        assertTarget(OnnxRecipes.recipe("int8", null, null, null, "float"), "onnx-int8-lmfloat", 32, false, 0, false);
        assertTarget(OnnxRecipes.recipe("fp16", null, null, null, null), "onnx-fp16", 32, false, 0, true);
        assertTarget(OnnxRecipes.recipe("fp32", null, null, null, null), "onnx-fp32", 32, false, 0, true);
        assertTarget(OnnxRecipes.recipe("int4", 128, null, null, null, "fp16"), "onnx-int4-b128-fp16act", 128, false, 0, true);
        assertTarget(OnnxRecipes.recipe("int4", 32, true, 4, "float", "FP16"), "onnx-int4-b32-sym-acc4-fp16act-lmfloat",
                32, true, 4, false);
        assertTarget(OnnxRecipes.recipe("int8", null, null, null, null, "fp16"), "onnx-int8-fp16act", 32, false, 0, true);
        // fp32, the default, is not spelled: the same recipe and name as without it
        assertEquals(OnnxRecipes.recipe("int4", 128, null, null, null), OnnxRecipes.recipe("int4", 128, null, null, null, "fp32"));
        assertEquals(OnnxActivations.FP16, options(OnnxRecipes.recipe("int4", 128, null, null, null, "fp16")).activations());
        assertEquals(OnnxActivations.FP16, options(OnnxRecipes.recipe("int8", null, null, null, null, "fp16")).activations());
        assertEquals(OnnxActivations.FP32, options(OnnxRecipes.recipe("int4", 128, null, null, null)).activations());
        assertEquals(OnnxDataType.FLOAT16, options(OnnxRecipes.recipe("int4", 128, null, null, null, "fp16")).activationType());
        assertEquals(OnnxDataType.FLOAT16, options(OnnxRecipes.recipe("fp16", null, null, null, null)).activationType());
        assertEquals(OnnxDataType.FLOAT, options(OnnxRecipes.recipe("int8", null, null, null, null)).activationType());
    }

    @Test
    void activationsApplyToTheQuantizedPrecisionsOnly() {
        for (String precision : List.of("fp32", "fp16")) {
            assertThrows(InvalidInputException.class, () -> OnnxRecipes.canonical(precision, Map.of("activations", "fp16")));
            Recipe raw = new Recipe("onnx", precision, false, null, null, false, List.of(),
                    new TreeMap<>(Map.of("activations", "fp16")));
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> QuantizeParams.target(raw));
            assertTrue(e.getMessage().contains("int8 and int4 only"), e.getMessage());
            // the default is accepted everywhere
            OnnxRecipes.canonical(precision, Map.of("activations", "fp32"));
            QuantizeParams.target(new Recipe("onnx", precision, false, null, null, false, List.of(),
                    new TreeMap<>(Map.of("activations", "fp32"))));
        }
        for (String bad : List.of("bf16", "half", "")) {
            assertThrows(InvalidInputException.class, () -> OnnxRecipes.canonical("int4", Map.of("activations", bad)), bad);
            Recipe raw = new Recipe("onnx", "int4", false, null, null, false, List.of(), new TreeMap<>(Map.of("activations", bad)));
            assertThrows(InvalidInputException.class, () -> QuantizeParams.target(raw), bad);
        }
    }

    @Test
    void whatCommonRefusesTheEngineRefuses() {
        List<Map<String, String>> bad = List.of(Map.of("blockSize", "48"), Map.of("blockSize", "512"),
                Map.of("accuracyLevel", "5"), Map.of("symmetric", "yes"), Map.of("lmHead", "fp16"), Map.of("groupSize", "32"),
                Map.of("blockSize", "x"));
        for (Map<String, String> settings : bad) {
            assertThrows(InvalidInputException.class, () -> OnnxRecipes.canonical("int4", settings), settings::toString);
            Recipe raw = new Recipe("onnx", "int4", false, null, null, false, List.of(), new TreeMap<>(settings));
            assertThrows(InvalidInputException.class, () -> QuantizeParams.target(raw), settings::toString);
        }
        for (String key : OnnxRecipes.INT4_SETTINGS) {
            Map<String, String> settings = Map.of(key, key.equals("symmetric") ? "true" : "32");
            assertThrows(InvalidInputException.class, () -> OnnxRecipes.canonical("int8", settings), key);
            Recipe raw = new Recipe("onnx", "int8", false, null, null, false, List.of(), new TreeMap<>(settings));
            assertThrows(InvalidInputException.class, () -> QuantizeParams.target(raw), key);
        }
        assertThrows(InvalidInputException.class, () -> OnnxRecipes.canonical("int3", Map.of()));
        assertThrows(InvalidInputException.class, () -> QuantizeParams.target(Recipe.gguf("int3")));
    }

    @Test
    void theOnnxProfilesBuildWhatTheyDescribe() {
        HardwareProfiles profiles = HardwareProfiles.builtIn();
        assertProfile(profiles, "cpu-onnx-int4", "onnx-int4-b32-acc4", OnnxPrecision.INT4, 32, 4);
        assertProfile(profiles, "cpu-onnx-int8", "onnx-int8", OnnxPrecision.INT8, 32, 0);
        assertProfile(profiles, "gpu-onnx-int4", "onnx-int4-b128-fp16act", OnnxPrecision.INT4, 128, 0);
        assertEquals(OnnxActivations.FP16, options(profiles.find("gpu-onnx-int4").orElseThrow().recipe()).activations(),
                "the GPU profile has float16 activations");
        assertEquals(OnnxActivations.FP32, options(profiles.find("cpu-onnx-int4").orElseThrow().recipe()).activations());
        assertEquals(OnnxActivations.FP32, options(profiles.find("cpu-onnx-int8").orElseThrow().recipe()).activations());
    }

    private static OnnxExportOptions options(Recipe recipe) {
        return ((OnnxTarget) QuantizeParams.target(recipe)).options();
    }

    private static void assertProfile(HardwareProfiles profiles, String name, String variant, OnnxPrecision precision,
                                      int block, int level) {
        HardwareProfile profile = profiles.find(name).orElseThrow();
        assertEquals(variant, profile.recipe().variantName());
        assertTrue(profile.gates().hasLimits(), name + " has quality gates");
        OnnxExportOptions options = ((OnnxTarget) QuantizeParams.target(profile.recipe())).options();
        assertEquals(precision, options.precision(), name);
        assertEquals(block, options.blockSize(), name);
        assertEquals(level, options.accuracyLevel(), name);
        assertFalse(options.symmetric(), name);
        assertTrue(options.quantizeLmHead(), name);
    }

    private static void assertTarget(Recipe recipe, String variant, int block, boolean symmetric, int level, boolean lmHead) {
        assertEquals(variant, recipe.variantName());
        OnnxExportOptions options = ((OnnxTarget) QuantizeParams.target(recipe)).options();
        assertEquals(recipe.ftype(), options.precision().label());
        assertEquals(block, options.blockSize(), variant);
        assertEquals(symmetric, options.symmetric(), variant);
        assertEquals(level, options.accuracyLevel(), variant);
        assertEquals(lmHead, options.quantizeLmHead(), variant);
        // the engine's own name says the same, with asymmetric spelled out
        String engine = ((OnnxTarget) QuantizeParams.target(recipe)).name().replace("-asym", "");
        assertEquals(variant.replace("-lmfloat", ""), engine);
    }

    private static boolean accepts(Runnable r) {
        try {
            r.run();
            return true;
        } catch (InvalidInputException e) {
            return false;
        }
    }
}
