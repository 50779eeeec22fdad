package dev.quantforge.engine.onnx;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.safetensors.SafetensorsCheckpoint;
import dev.quantforge.engine.tensor.FloatRows;
import dev.quantforge.engine.tensor.TensorSource;
import dev.quantforge.engine.testing.Models;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ONNX variant read back as the weights ONNX Runtime computes with, checked row by row against values worked
 * out here from the source row: stories260K's down_proj rows are 172 wide, so int4 blocks of 32 end in a padded
 * block, and the rows sit in the file transposed (fp32, int8) or as MatMulNBits columns (int4).
 */
class DequantizedOnnxTest {
    private static final String DOWN = "model.layers.2.mlp.down_proj.weight";
    private static final int ROW = 37;
    private static final int K = 172;

    @TempDir
    Path tmp;

    @Test
    void fp32ReadsBackTheSourceExactlyAndFp16AsFloat16Rounds() {
        float[] source = sourceRow(DOWN, ROW, K);
        try (DequantizedOnnx fp32 = DequantizedOnnx.open(export(OnnxExportOptions.of(OnnxPrecision.FP32)))) {
            assertArrayEquals(source, row(fp32, DOWN, ROW, K));
            assertEquals("float32", fp32.storage(DOWN));
            assertArrayEquals(new long[]{64, 172}, fp32.storedShape(DOWN));
        }
        try (DequantizedOnnx fp16 = DequantizedOnnx.open(export(OnnxExportOptions.of(OnnxPrecision.FP16)))) {
            float[] read = row(fp16, DOWN, ROW, K);
            for (int i = 0; i < K; i++) {
                assertEquals(dev.quantforge.engine.ggml.Fp16.toFloat(dev.quantforge.engine.ggml.Fp16.fromFloat(source[i])), read[i], 0f);
            }
            // a 1-D weight is one row, in the activation type
            assertEquals("float16", fp16.storage("model.norm.weight"));
            assertArrayEquals(new long[]{64}, fp16.storedShape("model.norm.weight"));
        }
    }

    @Test
    void int8IsTheQuantizedValueTimesTheChannelScale() {
        float[] source = sourceRow(DOWN, ROW, K);
        float amax = 0;
        for (float v : source) {
            amax = Math.max(amax, Math.abs(v));
        }
        float scale = amax / 127f;
        try (DequantizedOnnx int8 = DequantizedOnnx.open(export(OnnxExportOptions.of(OnnxPrecision.INT8)))) {
            float[] read = row(int8, DOWN, ROW, K);
            for (int i = 0; i < K; i++) {
                float q = Math.max(-127, Math.min(127, (float) Math.rint(source[i] / scale)));
                assertEquals(q * scale, read[i], 0f, "element " + i);
            }
            assertEquals("int8 per-channel", int8.storage(DOWN));
            assertEquals("float32", int8.storage("model.embed_tokens.weight"), "the embedding is never quantized");
        }
    }

    @Test
    void int4IsNibbleMinusZeroPointTimesTheBlockScaleInEveryBlockIncludingThePaddedOne() {
        float[] source = sourceRow(DOWN, ROW, K);
        for (boolean symmetric : new boolean[]{false, true}) {
            Path out = export(OnnxExportOptions.of(OnnxPrecision.INT4).withSymmetric(symmetric));
            try (DequantizedOnnx int4 = DequantizedOnnx.open(out)) {
                float[] read = row(int4, DOWN, ROW, K);
                for (int from = 0; from < K; from += 32) {
                    int to = Math.min(K, from + 32); // the last block holds 12 values
                    float min = 0;
                    float max = 0;
                    float extreme = 0;
                    for (int i = from; i < to; i++) {
                        min = Math.min(min, source[i]);
                        max = Math.max(max, source[i]);
                        extreme = Math.abs(source[i]) > Math.abs(extreme) ? source[i] : extreme;
                    }
                    float scale = symmetric ? -extreme / 8f : (max - min) / 15f;
                    int zp = symmetric ? 8 : Math.round(-min / scale); // no ties on this row
                    float reciprocal = 1f / scale;
                    for (int i = from; i < to; i++) {
                        int q = (int) Math.max(0, Math.min(15, Math.floor(source[i] * reciprocal + zp + 0.5)));
                        assertEquals((q - zp) * scale, read[i], 0f, (symmetric ? "sym" : "asym") + " element " + i);
                        assertTrue(Math.abs(read[i] - source[i]) <= Math.abs(scale) * 1.0001f, "within one step, element " + i);
                    }
                }
                assertEquals(symmetric ? "int4 b32 sym" : "int4 b32 asym", int4.storage(DOWN));
            }
        }
    }

    @Test
    void aTruncatedDataFileIsRefusedInOneLine() throws IOException {
        Path out = export(OnnxExportOptions.of(OnnxPrecision.INT8));
        try (FileChannel data = FileChannel.open(out.resolve(OnnxExporter.DATA), StandardOpenOption.WRITE)) {
            data.truncate(data.size() / 2);
        }
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> DequantizedOnnx.open(out));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(e.getMessage().contains("runs past the end"), e.getMessage());
    }

    private Path export(OnnxExportOptions options) {
        Path out = tmp.resolve("stories-" + options.name());
        OnnxExporter.export(Models.stories260K(), out, options.withVerify(false), t -> { }, () -> false);
        return out;
    }

    private static float[] sourceRow(String name, int row, int k) {
        float[] values = new float[k];
        try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(Models.stories260K())) {
            FloatRows.read(checkpoint.source(name), row, 1, values);
        }
        return values;
    }

    private static float[] row(DequantizedOnnx onnx, String name, int row, int k) {
        float[] values = new float[k];
        TensorSource tensor = onnx.source(name);
        assertEquals(k, tensor.rowLength());
        FloatRows.read(tensor, row, 1, values);
        return values;
    }
}
