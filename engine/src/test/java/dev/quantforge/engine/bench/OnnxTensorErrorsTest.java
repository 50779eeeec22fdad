package dev.quantforge.engine.bench;

import dev.quantforge.engine.hf.HfModelSource;
import dev.quantforge.engine.hf.OutputType;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.onnx.OnnxExportOptions;
import dev.quantforge.engine.onnx.OnnxExporter;
import dev.quantforge.engine.onnx.OnnxPrecision;
import dev.quantforge.engine.testing.Models;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An ONNX variant's benchmark.json carries per-tensor errors as a GGUF variant's does: every source tensor compared
 * (q/k rows in the source's order), fp32 exact, and the errors ordered by how coarse the storage is.
 */
class OnnxTensorErrorsTest {
    private static final VariantBenchmark.Options NO_RUNTIME = new VariantBenchmark.Options(1, 32, 16, 0, 1, false);

    @TempDir
    Path tmp;

    @Test
    void errorsGrowFromFp32ToInt4AndNameTheStorage() {
        BenchmarkReport.TensorErrors fp32 = errors(OnnxExportOptions.of(OnnxPrecision.FP32));
        BenchmarkReport.TensorErrors fp16 = errors(OnnxExportOptions.of(OnnxPrecision.FP16));
        BenchmarkReport.TensorErrors int8 = errors(OnnxExportOptions.of(OnnxPrecision.INT8));
        BenchmarkReport.TensorErrors int4b32 = errors(OnnxExportOptions.of(OnnxPrecision.INT4));
        BenchmarkReport.TensorErrors int4b128 = errors(OnnxExportOptions.of(OnnxPrecision.INT4).withBlockSize(128));
        for (BenchmarkReport.TensorErrors e : List.of(fp32, fp16, int8, int4b32, int4b128)) {
            // stories260K: the embedding (tied lm_head), 5 layers of 9 tensors, the final norm
            assertEquals(47, e.compared());
            assertEquals(0, e.notCompared());
        }
        assertEquals(0.0, fp32.maxAbsError(), "fp32 reads back the float32 source exactly (q/k rows included)");
        assertEquals(0.0, fp32.weightedRelativeRmse());
        assertEquals(1.0, fp32.minCosineSimilarity(), 1e-12);
        System.out.printf("[onnx] weighted relative RMSE: fp16 %.3g, int8 %.3g, int4-b32 %.3g, int4-b128 %.3g%n",
                fp16.weightedRelativeRmse(), int8.weightedRelativeRmse(), int4b32.weightedRelativeRmse(),
                int4b128.weightedRelativeRmse());
        assertTrue(fp16.weightedRelativeRmse() > 0 && fp16.weightedRelativeRmse() < int8.weightedRelativeRmse());
        assertTrue(int8.weightedRelativeRmse() < int4b32.weightedRelativeRmse());
        assertTrue(int4b32.weightedRelativeRmse() < int4b128.weightedRelativeRmse());
        assertTrue(int4b32.weightedRelativeRmse() < 0.2, "int4 b32 " + int4b32.weightedRelativeRmse());
        assertEquals("int4 b32 asym", int4b32.worst().get(0).type(), int4b32.worst().toString());
        assertEquals("int8 per-channel", int8.worst().get(0).type(), int8.worst().toString());
        assertEquals("float16", fp16.worst().get(0).type());
    }

    private BenchmarkReport.TensorErrors errors(OnnxExportOptions options) {
        Path out = tmp.resolve("stories-" + options.name());
        OnnxExporter.export(Models.stories260K(), out, options.withVerify(false), t -> { }, () -> false);
        try (ModelSource source = HfModelSource.open(Models.stories260K(), OutputType.F32)) {
            BenchmarkReport report = OnnxBenchmark.run(out, source, VariantBenchmark.bytesOnDisk(Models.stories260K()),
                    List.of(), null, NO_RUNTIME, f -> { }, () -> false);
            assertNotNull(report.tensorErrors());
            assertEquals(report.tensorErrors(), BenchmarkReport.fromJson(report.toJson()).tensorErrors());
            assertTrue(report.timings().tensorErrorsMilliseconds() > 0);
            return report.tensorErrors();
        }
    }
}
