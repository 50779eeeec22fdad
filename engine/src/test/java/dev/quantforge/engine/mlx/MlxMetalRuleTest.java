package dev.quantforge.engine.mlx;

import dev.quantforge.engine.safetensors.SafetensorsFile;
import dev.quantforge.engine.safetensors.SafetensorsTensorInfo;
import dev.quantforge.engine.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * The Metal rule ({@code affine_quantize} in MLX's {@code quantized.h}: max from 0, min from +inf, round half away
 * from zero, q clamped from above only) on the golden file's hostile rows, against a plain statement of that rule
 * written here with BigDecimal rounding. No Apple GPU output exists to compare with.
 */
class MlxMetalRuleTest {
    private static final int ROWS = 64;
    private static final int COLS = 256;
    private static SafetensorsFile golden;

    @BeforeAll
    static void open() {
        golden = SafetensorsFile.open(Golden.mlx("mlx_cpu_quant_golden.safetensors"));
    }

    @AfterAll
    static void close() {
        golden.close();
    }

    /** Codes, scales and biases as the Metal kernel states them, for one row. */
    record Expected(int[] codes, float[] scales, float[] biases) {
    }

    static Expected metalRule(float[] row, int bits, int group, MlxDtype dtype) {
        int groups = row.length / group;
        int[] codes = new int[row.length];
        float[] scales = new float[groups];
        float[] biases = new float[groups];
        float nBins = (1 << bits) - 1;
        for (int g = 0; g < groups; g++) {
            float wMin = Float.POSITIVE_INFINITY;
            float wMax = 0f;
            for (int j = 0; j < group; j++) {
                float v = row[g * group + j];
                if (!Float.isNaN(v)) {
                    wMin = Math.min(wMin, v);
                    wMax = Math.max(wMax, v);
                }
            }
            float scale = Math.max((wMax - wMin) / nBins, 1e-7f);
            boolean side = Math.abs(wMin) > Math.abs(wMax);
            scale = side ? scale : -scale;
            float edge = side ? wMin : wMax;
            float q0 = halfAway(edge / scale);
            boolean atZero = q0 == 0f;
            scale = atZero ? scale : edge / q0;
            float bias = atZero ? 0f : edge;
            for (int j = 0; j < group; j++) {
                float q = halfAway((row[g * group + j] - bias) / scale);
                codes[g * group + j] = (int) (Float.isNaN(q) ? nBins : Math.min(q, nBins));
            }
            scales[g] = dtype.round(scale);
            biases[g] = dtype.round(bias);
        }
        return new Expected(codes, scales, biases);
    }

    private static float halfAway(float x) {
        if (Float.isNaN(x) || Float.isInfinite(x)) {
            return x;
        }
        float r = new BigDecimal(x).setScale(0, RoundingMode.HALF_UP).floatValue();
        return r == 0f ? Math.copySign(0f, x) : r;
    }

    @ParameterizedTest(name = "{0} bits, groups of {1}, {2}")
    @CsvSource({"2,32,f32", "3,64,f32", "4,64,f32", "4,64,bf16", "5,128,f16", "6,32,bf16", "8,64,f16", "8,128,f32",
            "2,128,bf16", "3,32,f16", "6,64,f32", "5,32,bf16"})
    void everyHostileRowFollowsTheMetalRule(int bits, int group, String dt) {
        MlxDtype dtype = dtype(dt);
        float[] input = read("input." + dt, dtype);
        Quantized got = quantize(input, bits, group, dtype, AffineRounding.METAL);
        MlxQuantization q = new MlxQuantization(MlxMode.AFFINE, bits, group);
        for (int r = 0; r < ROWS; r++) {
            Expected e = metalRule(Arrays.copyOfRange(input, r * COLS, (r + 1) * COLS), bits, group, dtype);
            int groups = COLS / group;
            for (int g = 0; g < groups; g++) {
                assertEquals(dtype.encode(e.scales[g]), dtype.encode(got.scale(r * groups + g)), "row " + r + " scale " + g);
                assertEquals(dtype.encode(e.biases[g]), dtype.encode(got.bias(r * groups + g)), "row " + r + " bias " + g);
            }
            assertArrayEquals(e.codes, got.codes(r, q), "row " + r + " codes");
        }
    }

    @Test
    void negativeOnlyGroupsStartTheMaximumAtZero() {
        // row 50 is all -0.25: Metal's max is 0, so the range is 0.25 and every code is 0 with bias -0.25
        float[] input = read("input.f32", MlxDtype.FLOAT32);
        Quantized metal = quantize(input, 4, 64, MlxDtype.FLOAT32, AffineRounding.METAL);
        Quantized cpu = quantize(input, 4, 64, MlxDtype.FLOAT32, AffineRounding.CPU);
        int groups = COLS / 64;
        assertEquals(0.25f / 15f, metal.scale(50 * groups), 1e-9f);
        assertEquals(-0.25f, metal.bias(50 * groups));
        assertEquals(-1e-7f, cpu.scale(50 * groups), 1e-12f); // the CPU's group has no range: the eps scale
        assertEquals(-0.25f, cpu.bias(50 * groups));
        assertArrayEquals(new int[COLS], metal.codes(50, new MlxQuantization(MlxMode.AFFINE, 4, 64)));
    }

    @Test
    void tiesRoundAwayFromZero() {
        // row 59 holds k/16 in groups from 0 to 1.875: at 8 bits (w - bias) / scale lands on .5 for odd k
        float[] input = read("input.f32", MlxDtype.FLOAT32);
        MlxQuantization q = new MlxQuantization(MlxMode.AFFINE, 8, 32);
        int[] metal = quantize(input, 8, 32, MlxDtype.FLOAT32, AffineRounding.METAL).codes(59, q);
        int[] cpu = quantize(input, 8, 32, MlxDtype.FLOAT32, AffineRounding.CPU).codes(59, q);
        assertFalse(Arrays.equals(metal, cpu), "the two rules must differ on the tie row");
        for (int j = 0; j < COLS; j++) {
            assertEquals(true, metal[j] >= cpu[j], "column " + j + ": half away from zero never rounds below rint here");
        }
    }

    @Test
    void infinityAndNanGroupsAreDefined() {
        // f16 row 60 holds ±1e30, which are ±inf in f16: scale and q are NaN, and Metal's min(NaN, n_bins) is n_bins
        float[] input = read("input.f16", MlxDtype.FLOAT16);
        MlxQuantization q = new MlxQuantization(MlxMode.AFFINE, 4, 32);
        Quantized metal = quantize(input, 4, 32, MlxDtype.FLOAT16, AffineRounding.METAL);
        assertEquals(15, metal.codes(60, q)[0]);
        assertEquals(0xFD00, MlxDtype.FLOAT16.encode(metal.scale(60 * 8)));
        float[] nanRow = new float[64];
        Arrays.fill(nanRow, 0.5f);
        nanRow[7] = Float.NaN;
        Quantized withNan = quantize(nanRow, 1, 64, 4, 64, MlxDtype.FLOAT32, AffineRounding.METAL);
        assertEquals(MlxDtype.FLOAT32.encode(metalRule(nanRow, 4, 64, MlxDtype.FLOAT32).scales()[0]),
                MlxDtype.FLOAT32.encode(withNan.scale(0)), "NaN is skipped by min and max");
    }

    @Test
    void randomFloat32RowsAgreeWithTheCpuRule() {
        // no ties and no negative-only groups in rows 0-47 of the f32 input: both kernels give MLX's CPU bytes
        float[] input = read("input.f32", MlxDtype.FLOAT32);
        MlxQuantization q = new MlxQuantization(MlxMode.AFFINE, 4, 64);
        Quantized metal = quantize(input, 4, 64, MlxDtype.FLOAT32, AffineRounding.METAL);
        Quantized cpu = quantize(input, 4, 64, MlxDtype.FLOAT32, AffineRounding.CPU);
        for (int r = 0; r < 48; r++) {
            assertArrayEquals(cpu.codes(r, q), metal.codes(r, q), "row " + r);
        }
        assertNotEquals(Arrays.toString(cpu.codes(54, q)) + cpu.scale(54 * 4),
                Arrays.toString(metal.codes(54, q)) + metal.scale(54 * 4), "row 54 is negative only");
    }

    record Quantized(ByteBuffer wq, ByteBuffer scales, ByteBuffer biases, MlxDtype dtype, int cols) {
        float scale(int i) {
            return dtype.get(scales, i);
        }

        float bias(int i) {
            return dtype.get(biases, i);
        }

        int[] codes(int row, MlxQuantization q) {
            int words = (int) q.packedRowWords(cols);
            int[] out = new int[cols];
            for (int i = 0; i < cols; i++) {
                long bit = (long) i * q.bits();
                long word = wq.getInt((int) ((row * words + bit / 32) * 4)) & 0xFFFFFFFFL;
                long next = bit / 32 + 1 < words ? wq.getInt((int) ((row * words + bit / 32 + 1) * 4)) & 0xFFFFFFFFL : 0;
                long both = word | (next << 32);
                out[i] = (int) ((both >>> (bit % 32)) & ((1 << q.bits()) - 1));
            }
            return out;
        }
    }

    private static Quantized quantize(float[] input, int bits, int group, MlxDtype dtype, AffineRounding rounding) {
        return quantize(input, ROWS, COLS, bits, group, dtype, rounding);
    }

    private static Quantized quantize(float[] input, int rows, int cols, int bits, int group, MlxDtype dtype,
                                      AffineRounding rounding) {
        MlxQuantization q = new MlxQuantization(MlxMode.AFFINE, bits, group);
        ByteBuffer wq = buffer(rows * q.packedRowWords(cols) * 4);
        ByteBuffer scales = buffer(rows * q.groupsPerRow(cols) * dtype.byteWidth());
        ByteBuffer biases = buffer(rows * q.groupsPerRow(cols) * dtype.byteWidth());
        MlxKernels.quantize(input, rows, cols, q, dtype, rounding, wq, scales, biases);
        return new Quantized(wq.flip(), scales.flip(), biases.flip(), dtype, cols);
    }

    private static MlxDtype dtype(String dt) {
        return switch (dt) {
            case "f32" -> MlxDtype.FLOAT32;
            case "bf16" -> MlxDtype.BFLOAT16;
            default -> MlxDtype.FLOAT16;
        };
    }

    private static float[] read(String name, MlxDtype dtype) {
        SafetensorsTensorInfo info = golden.tensorInfo(name).orElseThrow();
        ByteBuffer data = golden.map(info, 0, (int) info.byteSize());
        float[] out = new float[(int) info.elementCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = dtype.get(data, i);
        }
        return out;
    }

    private static ByteBuffer buffer(long bytes) {
        return ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
