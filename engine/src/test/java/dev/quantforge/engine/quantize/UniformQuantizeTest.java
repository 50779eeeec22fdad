package dev.quantforge.engine.quantize;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.gguf.GgufFile;
import dev.quantforge.engine.gguf.GgufTensorInfo;
import dev.quantforge.engine.imatrix.ImportanceMatrix;
import dev.quantforge.engine.quant.Quantizers;
import dev.quantforge.engine.testing.Golden;
import dev.quantforge.engine.variant.GgufTarget;
import dev.quantforge.engine.variant.QuantizeParams;
import dev.quantforge.engine.variant.Variants;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The whole pipeline (plan, threads, streaming writer) reproduces every golden file's tensors, with
 * one thread and with three, so the thread count cannot change a byte.
 */
class UniformQuantizeTest {

    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> everyGoldenFileIsReproduced() {
        JsonNode manifest = Golden.json(Golden.ggml("MANIFEST.json"));
        return StreamSupport.stream(manifest.get("variants").spliterator(), false)
                .filter(v -> v.get("status").asText().equals("ok"))
                .filter(v -> Quantizers.forType(type(v)).isPresent())
                .flatMap(v -> Stream.of(1, 3).map(threads -> DynamicTest.dynamicTest(
                        v.get("name").asText() + " with " + threads + " thread(s)", () -> reproduce(v, threads))));
    }

    private static GgmlType type(JsonNode variant) {
        return GgmlType.byName(variant.get("ggml_type").asText()).orElseThrow();
    }

    private void reproduce(JsonNode variant, int threads) {
        Path out = tmp.resolve(variant.get("name").asText() + "-" + threads + ".gguf");
        ImportanceMatrix imatrix = variant.get("imatrix").asBoolean() ? ImportanceMatrix.read(Golden.ggml("imatrix.gguf")) : null;
        try (GgufFile source = GgufFile.open(Golden.ggml(variant.get("source").asText()))) {
            Variants.build(source, out, QuantizeParams.of(GgufTarget.uniform(type(variant)), threads).withImatrix(imatrix));
        }
        try (GgufFile expected = GgufFile.open(Golden.ggml(variant.get("expected_file").asText()));
             GgufFile actual = GgufFile.open(out)) {
            assertEquals(expected.tensorInfos().size(), actual.tensorInfos().size());
            for (int i = 0; i < expected.tensorInfos().size(); i++) {
                GgufTensorInfo want = expected.tensorInfos().get(i);
                GgufTensorInfo got = actual.tensorInfos().get(i);
                assertEquals(want.name(), got.name());
                assertArrayEquals(want.shape(), got.shape(), want.name());
                assertEquals(want.type(), got.type(), want.name());
                assertArrayEquals(Golden.bytes(expected.map(want, 0, (int) want.byteSize())),
                        Golden.bytes(actual.map(got, 0, (int) got.byteSize())), want.name() + " bytes");
            }
        }
    }
}
