package dev.quantforge.engine.quant;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.GgmlType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the golden data cannot show about the grid i-quants: refusals and thread independence. */
class IQGridCodecsTest {
    private static final List<GgmlType> GRID_TYPES = List.of(GgmlType.IQ3_XXS, GgmlType.IQ3_S, GgmlType.IQ2_S,
            GgmlType.IQ2_XXS, GgmlType.IQ2_XS, GgmlType.IQ1_S, GgmlType.IQ1_M);
    private static final List<GgmlType> NEED_IMPORTANCE = List.of(GgmlType.IQ2_XXS, GgmlType.IQ2_XS, GgmlType.IQ1_S);

    @Test
    void typesGgmlRefusesWithoutImportanceSayWhichTypeNeedsIt() {
        for (GgmlType type : GRID_TYPES) {
            Quantizer q = Quantizers.require(type);
            assertEquals(NEED_IMPORTANCE.contains(type), q.requiresImportance(), type.name());
            if (q.requiresImportance()) {
                InvalidInputException e = assertThrows(InvalidInputException.class,
                        () -> q.quantize(new float[256], 0, 1, 256, null, new byte[type.typeSize()], 0));
                assertTrue(e.getMessage().contains(type.name()), e.getMessage());
            }
        }
    }

    @Test
    void rowsQuantizedOnSeveralThreadsGiveTheSameBytesAsOneCall() throws Exception {
        int rows = 16;
        int rowLength = 512;
        float[] values = gaussianRows(rows, rowLength, 7);
        float[] importance = new float[rowLength];
        Random random = new Random(11);
        for (int i = 0; i < rowLength; i++) {
            importance[i] = 0.1f + random.nextFloat();
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (GgmlType type : GRID_TYPES) {
                Quantizer q = Quantizers.require(type);
                int rowBytes = (int) type.byteSize(rowLength, rowLength);
                byte[] whole = new byte[rows * rowBytes];
                q.quantize(values, 0, rows, rowLength, importance, whole, 0);
                byte[] split = new byte[rows * rowBytes];
                List<Future<?>> parts = new ArrayList<>();
                for (int r = 0; r < rows; r += 4) {
                    int first = r;
                    parts.add(pool.submit(() -> q.quantize(values, first * rowLength, 4, rowLength, importance,
                            split, first * rowBytes)));
                }
                for (Future<?> part : parts) {
                    part.get();
                }
                assertArrayEquals(whole, split, type.name());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    static float[] gaussianRows(int rows, int rowLength, long seed) {
        Random random = new Random(seed);
        float[] values = new float[rows * rowLength];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * 0.02);
        }
        return values;
    }
}
