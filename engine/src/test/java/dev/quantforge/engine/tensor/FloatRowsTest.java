package dev.quantforge.engine.tensor;

import dev.quantforge.engine.ggml.Bf16;
import dev.quantforge.engine.ggml.Fp16;
import dev.quantforge.engine.safetensors.SafetensorsFile;
import dev.quantforge.engine.testing.SafetensorsFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FloatRowsTest {
    private static final int PATTERNS = 1 << 16;
    private static final int ROW = 5;

    @TempDir
    Path tmp;

    /**
     * Rows of five values, four widened together and one after them: each half pattern stands in one place
     * among ones (the place turns from pattern to pattern), and a row is finite exactly when that pattern's
     * float is.
     */
    @Test
    void everyHalfPatternIsJudgedFiniteExactlyWhenItsFloatIs() {
        for (String dtype : new String[] {"F16", "BF16"}) {
            short one = (short) (dtype.equals("F16") ? 0x3C00 : 0x3F80);
            short[] halves = new short[PATTERNS * ROW];
            Arrays.fill(halves, one);
            for (int bits = 0; bits < PATTERNS; bits++) {
                halves[bits * ROW + bits % ROW] = (short) bits;
            }
            Path file = new SafetensorsFiles.Builder()
                    .add("t", dtype, new long[] {PATTERNS, ROW}, SafetensorsFiles.shorts(halves))
                    .write(tmp.resolve(dtype + ".safetensors"));
            try (SafetensorsFile st = SafetensorsFile.open(file)) {
                TensorSource tensor = st.source("t");
                float[] row = new float[ROW];
                for (int bits = 0; bits < PATTERNS; bits++) {
                    int place = bits % ROW;
                    boolean finite = FloatRows.read(tensor, bits, 1, row);
                    String where = dtype + " 0x" + Integer.toHexString(bits) + " at " + place;
                    float expected = dtype.equals("F16") ? Fp16.toFloat((short) bits) : Bf16.toFloat((short) bits);
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(row[place]), where);
                    assertEquals(Float.isFinite(expected), finite, where);
                    assertEquals(1.0f, row[(place + 1) % ROW], where);
                }
                assertFalse(FloatRows.read(tensor, 0, PATTERNS, new float[halves.length]), dtype);
                assertTrue(FloatRows.read(tensor, 0, 0x7C00, new float[0x7C00 * ROW]), dtype + " 0x0 to 0x7BFF");
            }
        }
    }

    @Test
    void f32RowsAreCheckedToo() {
        Path file = new SafetensorsFiles.Builder()
                .f32("t", new long[] {3, 2}, 1, 2, 3, Float.NaN, 5, Float.NEGATIVE_INFINITY)
                .write(tmp.resolve("f32.safetensors"));
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            float[] row = new float[2];
            assertTrue(FloatRows.read(st.source("t"), 0, 1, row));
            assertFalse(FloatRows.read(st.source("t"), 1, 1, row));
            assertFalse(FloatRows.read(st.source("t"), 2, 1, row));
        }
    }
}
