package dev.quantforge.common.jobs;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.common.profiles.HardwareProfile;
import dev.quantforge.common.profiles.HardwareProfiles;
import dev.quantforge.common.quality.BenchmarkSummary;
import dev.quantforge.common.quality.QualityGates;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OnnxModelRecipesTest {

    @Test
    void canonicalSpellingAndNames() {
        Recipe dynamic = OnnxModelRecipes.canonical("INT8-Dynamic", Map.of("perChannel", "true", "reduceRange", "false"));
        assertEquals("int8-dynamic", dynamic.ftype());
        assertEquals(Map.of("perChannel", "true"), dynamic.settings());
        assertEquals("onnx-int8-dynamic-pc", dynamic.variantName());
        Recipe percentile = OnnxModelRecipes.canonical("int8-static", Map.of("calibration", "Percentile"));
        assertEquals("onnx-int8-static-percentile", percentile.variantName());
        assertEquals(Map.of(), OnnxModelRecipes.canonical("int8-static", Map.of("calibration", "minmax")).settings());
    }

    @Test
    void badRecipesAreRefusedWithTheReason() {
        assertThrows(InvalidInputException.class, () -> OnnxModelRecipes.canonical("int4", Map.of()));
        assertThrows(InvalidInputException.class, () -> OnnxModelRecipes.canonical("int8-dynamic", Map.of("calibration", "minmax")));
        assertThrows(InvalidInputException.class, () -> OnnxModelRecipes.canonical("int8-static", Map.of("calibration", "kl")));
        assertThrows(InvalidInputException.class, () -> OnnxModelRecipes.canonical("int8-static", Map.of("blockSize", "32")));
        assertThrows(InvalidInputException.class, () -> OnnxModelRecipes.canonical("int8-static", Map.of("perChannel", "yes")));
    }

    @Test
    void theProfilesAreGatedOnOutputAgreement() {
        HardwareProfile dynamic = HardwareProfiles.builtIn().find("cpu-onnx-int8-dynamic").orElseThrow();
        assertEquals(OnnxModelRecipes.FORMAT, dynamic.format());
        QualityGates gates = dynamic.gates();
        assertTrue(gates.hasLimits());
        BenchmarkSummary good = new BenchmarkSummary(1000, 8, 4, null, null, null, null, null, null, null, 2, "onnxruntime", 0.99);
        BenchmarkSummary poor = new BenchmarkSummary(1000, 8, 4, null, null, null, null, null, null, null, 2, "onnxruntime", 0.96);
        BenchmarkSummary unmeasured = new BenchmarkSummary(1000, 8, 4, null, null, null, null, null, null, null, 2, "onnxruntime");
        assertEquals(0, gates.check(good).size());
        assertEquals("mean output cosine", gates.check(poor).get(0).figure());
        assertEquals(1, gates.check(unmeasured).size(), "a figure that was not measured fails its limit");
        assertThrows(IllegalArgumentException.class, () -> new QualityGates(null, null, null, 1.5));
        assertEquals(OnnxModelRecipes.STATIC, HardwareProfiles.builtIn().find("npu-qdq-int8").orElseThrow().ftype());
    }
}
