package dev.quantforge.engine.mlx;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.engine.safetensors.SafetensorsFile;
import dev.quantforge.engine.safetensors.SafetensorsTensorInfo;
import dev.quantforge.engine.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * MLX's own outputs (CPU backend, commit 846d176) for every affine bits × group size and the three fp modes,
 * from float32, bfloat16 and float16 inputs with hostile rows: quantizing {@code input.<dt>} must give the same
 * {@code wq}, {@code scales} and {@code biases} bytes (the affine ones with the CPU rule), and dequantizing the
 * stored outputs must give MLX's {@code deq} (NaN compared as NaN, whatever its payload).
 */
class MlxGoldenTest {
    private static final int ROWS = 64;
    private static final int COLS = 256;
    private static SafetensorsFile golden;

    record Combination(String key, MlxQuantization quantization, MlxDtype dtype, String dt) {
        @Override
        public String toString() {
            return key;
        }
    }

    @BeforeAll
    static void open() {
        golden = SafetensorsFile.open(Golden.mlx("mlx_cpu_quant_golden.safetensors"));
    }

    @AfterAll
    static void close() {
        golden.close();
    }

    static Stream<Combination> combinations() {
        JsonNode manifest = Golden.json(Golden.mlx("MANIFEST.json"));
        List<Combination> out = new ArrayList<>();
        for (JsonNode c : manifest.get("combinations")) {
            String dt = c.get("dtype").asText();
            MlxDtype dtype = switch (dt) {
                case "f32" -> MlxDtype.FLOAT32;
                case "bf16" -> MlxDtype.BFLOAT16;
                case "f16" -> MlxDtype.FLOAT16;
                default -> throw new IllegalStateException(dt);
            };
            out.add(new Combination(c.get("key").asText(), new MlxQuantization(MlxMode.parse(c.get("mode").asText()),
                    c.get("bits").asInt(), c.get("group_size").asInt()), dtype, dt));
        }
        return out.stream();
    }

    @Test
    void allSixtyThreeCombinationsAreCovered() {
        assertEquals(63, combinations().count());
    }

    @Test
    void manifestChecksumsMatchTheData() throws Exception {
        JsonNode manifest = Golden.json(Golden.mlx("MANIFEST.json"));
        for (JsonNode t : manifest.get("tensors")) {
            SafetensorsTensorInfo info = golden.tensorInfo(t.get("name").asText()).orElseThrow();
            byte[] data = Golden.bytes(golden.map(info, 0, (int) info.byteSize()));
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
            assertEquals(t.get("sha256").asText(), sha, info.name());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("combinations")
    void quantizesByteForByte(Combination c) {
        float[] input = read("input." + c.dt(), c.dtype());
        MlxQuantization q = c.quantization();
        ByteBuffer wq = buffer(ROWS * q.packedRowWords(COLS) * 4);
        ByteBuffer scales = buffer(ROWS * q.groupsPerRow(COLS) * q.scaleBytes(c.dtype()));
        ByteBuffer biases = buffer(ROWS * q.groupsPerRow(COLS) * c.dtype().byteWidth());
        MlxKernels.quantize(input, ROWS, COLS, q, c.dtype(), AffineRounding.CPU, wq, scales, biases);
        assertSame(c.key() + ".wq", wq, 4);
        assertSame(c.key() + ".scales", scales, q.scaleBytes(c.dtype()));
        if (q.mode().hasBiases()) {
            assertSame(c.key() + ".biases", biases, c.dtype().byteWidth());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("combinations")
    void dequantizesAsMlx(Combination c) {
        MlxQuantization q = c.quantization();
        ByteBuffer biases = q.mode().hasBiases() ? tensor(c.key() + ".biases") : null;
        float[] deq = MlxKernels.dequantize(tensor(c.key() + ".wq"), tensor(c.key() + ".scales"), biases, ROWS, COLS,
                q, c.dtype());
        float[] expected = read(c.key() + ".deq", c.dtype());
        for (int i = 0; i < expected.length; i++) {
            if (Float.isNaN(expected[i]) && Float.isNaN(deq[i])) {
                continue;
            }
            if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(deq[i])) {
                fail(c.key() + ".deq: row " + i / COLS + " column " + i % COLS + ": expected " + expected[i]
                        + " but got " + deq[i]);
            }
        }
    }

    private static void assertSame(String name, ByteBuffer actual, int elementBytes) {
        byte[] expected = Golden.bytes(tensor(name));
        byte[] got = new byte[actual.position()];
        actual.flip().get(got);
        assertEquals(expected.length, got.length, name + " length");
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] != got[i]) {
                int element = i / elementBytes;
                fail(name + ": first difference at byte " + i + " (element " + element + ", of " + expected.length
                        / elementBytes + ", row " + element * ROWS / (expected.length / elementBytes) + "): expected "
                        + hex(expected, element, elementBytes) + " but got " + hex(got, element, elementBytes));
            }
        }
        assertTrue(true);
    }

    private static String hex(byte[] data, int element, int width) {
        StringBuilder s = new StringBuilder("0x");
        for (int b = width - 1; b >= 0; b--) {
            s.append(String.format("%02x", data[element * width + b]));
        }
        return s.toString();
    }

    private static ByteBuffer tensor(String name) {
        SafetensorsTensorInfo info = golden.tensorInfo(name).orElseThrow(() -> new AssertionError("no " + name));
        return golden.map(info, 0, (int) info.byteSize());
    }

    private static float[] read(String name, MlxDtype dtype) {
        ByteBuffer data = tensor(name);
        float[] out = new float[data.capacity() / dtype.byteWidth()];
        for (int i = 0; i < out.length; i++) {
            out[i] = dtype.get(data, i);
        }
        return out;
    }

    private static ByteBuffer buffer(long bytes) {
        return ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
