package dev.quantforge.engine.quant;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.gguf.GgufFile;
import dev.quantforge.engine.gguf.GgufTensorInfo;
import dev.quantforge.engine.imatrix.ImportanceMatrix;
import dev.quantforge.engine.tensor.FloatRows;
import dev.quantforge.engine.testing.Golden;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every quantizer against ggml's own output: for each variant in the golden manifest, quantize every
 * eligible tensor of the golden input and compare bytes; decode every expected tensor and compare
 * with ggml's decoding bit for bit.
 */
class GoldenKernelTest {

    private static final JsonNode MANIFEST = Golden.json(Golden.ggml("MANIFEST.json"));
    private static final ImportanceMatrix IMATRIX = ImportanceMatrix.read(Golden.ggml("imatrix.gguf"));

    /** {@code -Dgolden.types=Q4_0,Q4_K} limits the run to those types while working on them. */
    private static final String ONLY_TYPES = System.getProperty("golden.types", "");

    private static Stream<JsonNode> variants() {
        List<String> only = ONLY_TYPES.isBlank() ? List.of() : List.of(ONLY_TYPES.split(","));
        return StreamSupport.stream(MANIFEST.get("variants").spliterator(), false)
                .filter(v -> v.get("status").asText().equals("ok"))
                .filter(v -> only.isEmpty() || only.contains(v.get("ggml_type").asText()));
    }

    private static Quantizer quantizerFor(JsonNode variant) {
        GgmlType type = GgmlType.byName(variant.get("ggml_type").asText()).orElseThrow();
        return Quantizers.forType(type).orElseThrow(() -> new AssertionError("no quantizer for " + type));
    }

    @TestFactory
    Stream<DynamicTest> quantizedBytesMatchGgml() {
        return variants().map(v -> DynamicTest.dynamicTest(v.get("name").asText(), () -> {
            Quantizer quantizer = quantizerFor(v);
            GgmlType type = quantizer.type();
            try (GgufFile source = GgufFile.open(Golden.ggml(v.get("source").asText()));
                 GgufFile expected = GgufFile.open(Golden.ggml(v.get("expected_file").asText()))) {
                assertEquals(source.tensorInfos().size(), expected.tensorInfos().size());
                List<String> mismatches = new ArrayList<>();
                for (int i = 0; i < source.tensorInfos().size(); i++) {
                    GgufTensorInfo in = source.tensorInfos().get(i);
                    GgufTensorInfo want = expected.tensorInfos().get(i);
                    assertEquals(in.name(), want.name(), "tensor order");
                    byte[] wantBytes = Golden.bytes(expected.map(want, 0, (int) want.byteSize()));
                    boolean eligible = in.dimensions() == 2 && in.shape()[0] % type.blockSize() == 0;
                    byte[] got;
                    if (eligible) {
                        assertEquals(type, want.type(), in.name() + " type");
                        int rowLength = (int) in.shape()[0];
                        int rows = (int) in.shape()[1];
                        float[] values = new float[rows * rowLength];
                        FloatRows.read(source.source(in), 0, rows, values);
                        float[] importance = v.get("imatrix").asBoolean()
                                ? IMATRIX.weightsFor(in.name(), rowLength).orElseThrow() : null;
                        got = new byte[(int) type.byteSize((long) rows * rowLength, rowLength)];
                        quantizer.quantize(values, 0, rows, rowLength, importance, got, 0);
                    } else {
                        got = Golden.bytes(source.map(in, 0, (int) in.byteSize()));
                    }
                    if (!java.util.Arrays.equals(wantBytes, got)) {
                        mismatches.add(describeMismatch(in.name(), type, wantBytes, got));
                    }
                }
                if (!mismatches.isEmpty()) {
                    fail(mismatches.size() + " tensor(s) differ from ggml:\n" + String.join("\n", mismatches));
                }
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> dequantizedValuesMatchGgml() {
        return variants().map(v -> DynamicTest.dynamicTest(v.get("name").asText(), () -> {
            Quantizer quantizer = quantizerFor(v);
            byte[] all = Files.readAllBytes(Golden.ggml(v.get("dequant_file").asText()));
            ByteBuffer decoded = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
            try (GgufFile expected = GgufFile.open(Golden.ggml(v.get("expected_file").asText()))) {
                for (JsonNode segment : v.get("dequant_segments")) {
                    GgufTensorInfo t = expected.tensorInfo(segment.get("tensor").asText()).orElseThrow();
                    int n = segment.get("n_floats").asInt();
                    int offset = segment.get("float_offset").asInt();
                    float[] got = new float[n];
                    quantizer.dequantize(Golden.bytes(expected.map(t, 0, (int) t.byteSize())), 0, got, 0, n);
                    for (int i = 0; i < n; i++) {
                        int want = decoded.getInt((offset + i) * 4);
                        int have = Float.floatToRawIntBits(got[i]);
                        if (want != have && !(Float.isNaN(got[i]) && Float.isNaN(Float.intBitsToFloat(want)))) {
                            fail(t.name() + " value " + i + ": ggml decodes " + Float.intBitsToFloat(want)
                                    + ", got " + got[i]);
                        }
                    }
                }
            }
        }));
    }

    private static String describeMismatch(String name, GgmlType type, byte[] want, byte[] got) {
        if (want.length != got.length) {
            return name + ": " + got.length + " bytes, expected " + want.length;
        }
        int first = 0;
        while (want[first] == got[first]) {
            first++;
        }
        int differing = 0;
        for (int i = 0; i < want.length; i++) {
            if (want[i] != got[i]) {
                differing++;
            }
        }
        int block = first / type.typeSize();
        int from = block * type.typeSize();
        int to = Math.min(want.length, from + type.typeSize());
        HexFormat hex = HexFormat.of();
        return name + ": " + differing + " bytes differ, first at byte " + first + " (block " + block + ")\n  want "
                + hex.formatHex(want, from, to) + "\n  got  " + hex.formatHex(got, from, to);
    }

    static {
        try {
            Files.size(Golden.ggml("input.gguf"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
