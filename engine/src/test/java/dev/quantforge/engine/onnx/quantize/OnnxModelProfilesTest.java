package dev.quantforge.engine.onnx.quantize;

import dev.quantforge.common.profiles.HardwareProfile;
import dev.quantforge.common.profiles.HardwareProfiles;
import dev.quantforge.common.quality.GateFailure;
import dev.quantforge.engine.bench.BenchmarkReport;
import dev.quantforge.engine.bench.VariantBenchmark;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.model.ModelSources;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.engine.variant.BuiltVariant;
import dev.quantforge.engine.variant.QuantizeParams;
import dev.quantforge.engine.variant.Variants;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ONNX model profiles built through the engine's door from langchain4j's all-MiniLM-L6-v2 fp32, benchmarked and
 * judged by their gates, as the worker does: cpu-onnx-int8-dynamic and npu-qdq-int8 pass; ORT's default per-tensor
 * dynamic int8 (measured 0.962) would not pass cpu-onnx-int8-dynamic's bar.
 */
class OnnxModelProfilesTest {
    static final VariantBenchmark.Options OPTIONS = new VariantBenchmark.Options(2, 1, 1, 0, 1, false);

    @TempDir
    static Path dir;
    static Path miniLm;

    @BeforeAll
    static void extract() throws IOException {
        miniLm = MiniLm.extract(dir);
    }

    private static BenchmarkReport build(HardwareProfile profile, Path out) {
        try (ModelSource source = ModelSources.open(SourceFormat.ONNX, miniLm)) {
            QuantizeParams params = QuantizeParams.of(profile.recipe(), 2);
            BuiltVariant built = Variants.build(source, out, params);
            assertEquals(out, built.written().output());
            String quantizedAs = built.plan().rows().stream().filter(r -> r.quantized()).map(r -> r.targetTypeName())
                    .distinct().reduce((a, b) -> a + " | " + b).orElseThrow();
            System.out.println("[onnxq2] " + profile.name() + " plan: " + quantizedAs);
            assertTrue(profile.ftype().equals("int8-static") ? quantizedAs.startsWith("QDQ (int8 activations, minmax")
                    : quantizedAs.contains("MatMulInteger"), quantizedAs);
            return Variants.runtimeFor(out).benchmark(out, source, Files.size(miniLm), List.of(), null, OPTIONS,
                    f -> { }, () -> false);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void bothProfilesBuildThroughTheDoorAndPassTheirGates() {
        HardwareProfiles profiles = HardwareProfiles.builtIn();
        HardwareProfile dynamic = profiles.find("cpu-onnx-int8-dynamic").orElseThrow();
        HardwareProfile qdq = profiles.find("npu-qdq-int8").orElseThrow();
        assertEquals("onnx-int8-dynamic-pc-rr", dynamic.recipe().variantName());
        assertEquals("onnx-int8-static-minmax", qdq.recipe().variantName());

        BenchmarkReport d = build(dynamic, dir.resolve("dynamic.onnx"));
        BenchmarkReport q = build(qdq, dir.resolve("qdq.onnx"));
        System.out.printf(java.util.Locale.ROOT, "[onnxq2] profile %s: %s, mean output cosine %.5f, min %.5f, %d bytes%n",
                dynamic.name(), d.variant().fileType(), d.agreement().meanCosineSimilarity(), d.agreement().minCosineSimilarity(), d.size().bytes());
        System.out.printf(java.util.Locale.ROOT, "[onnxq2] profile %s: %s, mean output cosine %.5f, min %.5f, %d bytes%n",
                qdq.name(), q.variant().fileType(), q.agreement().meanCosineSimilarity(), q.agreement().minCosineSimilarity(), q.size().bytes());
        assertEquals("int8-dynamic-per-channel-reduce-range", d.variant().fileType());
        assertEquals("int8-static-qdq-minmax", q.variant().fileType());
        List<GateFailure> dynamicFailures = dynamic.gates().check(d.summary());
        List<GateFailure> qdqFailures = qdq.gates().check(q.summary());
        assertTrue(dynamicFailures.isEmpty(), dynamicFailures.toString());
        assertTrue(qdqFailures.isEmpty(), qdqFailures.toString());
    }

    @Test
    void theDoorRefusesMismatchedSourcesAndTargets() {
        HardwareProfile gguf = HardwareProfiles.builtIn().find("cpu-x86-avx2").orElseThrow();
        try (ModelSource source = ModelSources.open(SourceFormat.ONNX, miniLm)) {
            var e = org.junit.jupiter.api.Assertions.assertThrows(dev.quantforge.common.InvalidInputException.class,
                    () -> Variants.build(source, dir.resolve("x.gguf"), QuantizeParams.of(gguf.recipe(), 1)));
            assertTrue(e.getMessage().contains("onnx-model targets only"), e.getMessage());
        }
        assertTrue(!Files.exists(dir.resolve("x.gguf")));
        org.junit.jupiter.api.Assertions.assertThrows(dev.quantforge.common.InvalidInputException.class,
                () -> ModelSources.open(SourceFormat.ONNX, dir.resolve("minilm")));
    }

    @Test
    void perTensorDynamicInt8FailsTheDynamicProfilesGate() {
        HardwareProfile dynamic = HardwareProfiles.builtIn().find("cpu-onnx-int8-dynamic").orElseThrow();
        Path out = dir.resolve("per-tensor.onnx");
        OnnxQuantizer.quantize(miniLm, out, OnnxQuantizeOptions.int8Dynamic(false, false));
        BenchmarkReport report = dev.quantforge.engine.bench.OnnxModelBenchmark.run(out, miniLm, null, OPTIONS,
                f -> { }, () -> false);
        List<GateFailure> failures = dynamic.gates().check(report.summary());
        assertEquals(1, failures.size(), failures.toString());
        assertEquals("mean output cosine", failures.get(0).figure());
    }
}
