package dev.quantforge.engine.safetensors;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.tensor.FloatRows;
import dev.quantforge.engine.tensor.TensorSource;
import dev.quantforge.engine.testing.SafetensorsFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsFileTest {

    @TempDir
    Path tmp;

    @Test
    void readsTensorsWithGgufShapesAndExactBytes() {
        Path file = new SafetensorsFiles.Builder()
                .metadata("format", "pt")
                .f32("z.weight", new long[] {2, 3}, 1, 2, 3, 4, 5, 6)
                .add("a.half", "F16", new long[] {2}, SafetensorsFiles.shorts((short) 0x3C00, (short) 0xC000))
                .add("m.bf16", "BF16", new long[] {1, 2}, SafetensorsFiles.shorts((short) 0x3F80, (short) 0x4040))
                .f32("scalar", new long[] {}, 7)
                .write(tmp.resolve("t.safetensors"));
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertEquals(List.of("a.half", "m.bf16", "scalar", "z.weight"), List.copyOf(st.tensorInfos().keySet()));
            assertEquals("pt", st.metadata().get("format"));

            TensorSource z = st.source("z.weight");
            assertArrayEquals(new long[] {3, 2}, z.shape(), "row length first");
            assertEquals(GgmlType.F32, z.type());
            float[] rows = new float[6];
            FloatRows.read(z, 0, 2, rows);
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, rows);
            assertEquals(5f, z.bytes(16, 4).getFloat(0), "a piece in the middle");

            float[] half = new float[2];
            FloatRows.read(st.source("a.half"), 0, 1, half);
            assertArrayEquals(new float[] {1, -2}, half);
            float[] bf = new float[2];
            FloatRows.read(st.source("m.bf16"), 0, 1, bf);
            assertArrayEquals(new float[] {1, 3}, bf);
            assertArrayEquals(new long[] {1}, st.source("scalar").shape());
        }
    }

    @Test
    void unsupportedDtypeIsRefusedByNameWhileTheRestStaysReadable() {
        Path file = new SafetensorsFiles.Builder()
                .add("position_ids", "I64", new long[] {2}, new byte[16])
                .f32("w", new long[] {1}, 3)
                .write(tmp.resolve("mixed.safetensors"));
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> st.source("position_ids"));
            assertTrue(e.getMessage().endsWith("tensor position_ids has dtype I64; supported: F32, F16, BF16"), e.getMessage());
            assertEquals(3f, st.source("w").bytes(0, 4).getFloat(0));
        }
    }

    @Test
    void refusesAFileTooShortForTheLengthPrefix() {
        assertRefused(SafetensorsFiles.write(tmp.resolve("short.safetensors"), new byte[5]), "too short");
    }

    @Test
    void refusesAnAbsurdHeaderLength() {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40);
        assertRefused(SafetensorsFiles.write(tmp.resolve("huge.safetensors"), b.array()), "header length 1099511627776 is impossible");
        ByteBuffer negative = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).putLong(-8);
        assertRefused(SafetensorsFiles.write(tmp.resolve("neg.safetensors"), negative.array()), "header length 18446744073709551608");
    }

    @Test
    void refusesAHeaderLongerThanTheFile() {
        ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).putLong(100);
        assertRefused(SafetensorsFiles.write(tmp.resolve("cut.safetensors"), b.array()), "header length 100 is impossible for a file of 20 bytes");
    }

    @Test
    void refusesAHeaderThatIsNotJson() {
        assertRefused(raw("{\"a\": {\"dtype\": ", new byte[0]), "not valid JSON");
        assertRefused(raw("[1, 2]  ", new byte[0]), "expected a JSON object");
        assertRefused(raw("{} trailing", new byte[0]), "not valid JSON");
    }

    @Test
    void refusesDuplicateTensorNames() {
        String entry = "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";
        assertRefused(raw("{\"w\":" + entry + ",\"w\":" + entry + "}", new byte[4]), "Duplicate field 'w'");
    }

    @Test
    void refusesMalformedTensorEntries() {
        assertRefused(raw("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]), "tensor w has no dtype");
        assertRefused(raw("{\"w\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]),
                "tensor w has unknown dtype Q4; supported: F32, F16, BF16");
        assertRefused(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", new byte[4]), "only non-negative integers");
        assertRefused(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", new byte[4]), "only non-negative integers");
        assertRefused(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", new byte[4]), "data_offsets as an array of 2 integers");
        assertRefused(raw("{\"w\":3}", new byte[4]), "tensor w must be described by an object");
        assertRefused(raw("{\"__metadata__\":{\"n\":1}}", new byte[0]), "__metadata__.n must be a string");
    }

    @Test
    void refusesOffsetsOutsideTheData() {
        assertRefused(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[4]),
                "tensor w has data_offsets [0, 8] outside the data section of 4 bytes");
        assertRefused(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", new byte[8]),
                "tensor w has data_offsets [8, 4]");
    }

    @Test
    void refusesOverlappingTensors() {
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        assertRefused(raw(header, new byte[12]), "tensor b overlaps tensor a");
    }

    @Test
    void refusesASizeThatContradictsShapeAndDtype() {
        assertRefused(raw("{\"w\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,4]}}", new byte[4]),
                "tensor w holds 4 bytes but F16 [3] needs 6");
        assertRefused(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}", new byte[4]),
                "more elements than fit in 64 bits");
    }

    @Test
    void refusesAMissingFile() {
        assertRefused(tmp.resolve("absent.safetensors"), "no such file");
    }

    private Path raw(String header, byte[] data) {
        return SafetensorsFiles.writeRaw(tmp.resolve("bad-" + Integer.toHexString(header.hashCode()) + ".safetensors"), header, data);
    }

    private static void assertRefused(Path file, String expected) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> SafetensorsFile.open(file).close());
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), "one line");
    }
}
