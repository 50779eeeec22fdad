package dev.quantforge.engine.onnx.quantize;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.bench.BenchmarkReport;
import dev.quantforge.engine.bench.OnnxModelBenchmark;
import dev.quantforge.engine.bench.VariantBenchmark;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Optimum's CPU presets on all-MiniLM-L6-v2: per-channel MatMul weights (int8, or uint8 for avx2), tables float. */
class OnnxPresetTest {
    static final VariantBenchmark.Options NO_SPEED = new VariantBenchmark.Options(2, 1, 1, 0, 1, false);

    @TempDir
    static Path dir;
    static Path miniLm;

    @BeforeAll
    static void extract() throws IOException {
        miniLm = MiniLm.extract(dir);
    }

    private static StoredTensor quantizedWeightOf(OnnxModelFile model, int matMulInteger) {
        GraphNode node = model.nodes().stream().filter(n -> n.opType().equals("MatMulInteger")).toList().get(matMulInteger);
        return model.initializers().get(node.input(1));
    }

    @Test
    void avx512IsPerChannelInt8OnMatMulOnlyAndAvx2StoresUint8Weights() {
        Path avx512 = dir.resolve("avx512.onnx");
        Path avx2 = dir.resolve("avx2.onnx");
        Path perChannel = dir.resolve("per-channel.onnx");
        OnnxQuantizer.Result r512 = OnnxQuantizer.quantize(miniLm, avx512,
                OnnxPreset.AVX512.options(OnnxQuantizeOptions.Method.INT8_DYNAMIC, false, List.of()));
        OnnxQuantizer.quantize(miniLm, avx2, OnnxPreset.AVX2.options(OnnxQuantizeOptions.Method.INT8_DYNAMIC, false, List.of()));
        OnnxQuantizer.quantize(miniLm, perChannel, OnnxQuantizeOptions.int8Dynamic(true, false));

        OnnxModelFile m512 = OnnxModelFile.read(avx512);
        OnnxModelFile m2 = OnnxModelFile.read(avx2);
        OnnxModelFile pc = OnnxModelFile.read(perChannel);
        assertEquals(0, MiniLmReferenceTest.opCounts(m512).getOrDefault("DequantizeLinear", 0), "Gather tables stay float");
        assertTrue(r512.plan().entries().stream().anyMatch(e -> e.opType().equals("Gather")
                && e.action() != QuantizationPlan.Action.QUANTIZED), "the Gathers are listed, not silently skipped");
        assertEquals(36, MiniLmReferenceTest.opCounts(m512).get("MatMulInteger"));
        // the MatMul weights are exactly the per-channel int8 ones
        StoredTensor w512 = quantizedWeightOf(m512, 0);
        assertEquals(QuantType.INT8.onnxId(), w512.dataType());
        assertArrayEquals(pc.rawBytes(quantizedWeightOf(pc, 0)), m512.rawBytes(w512));
        // avx2: uint8 weights, symmetric around 127 (quant_utils' symmetric uint8 range 0..254)
        StoredTensor w2 = quantizedWeightOf(m2, 0);
        assertEquals(QuantType.UINT8.onnxId(), w2.dataType());
        String zeroPoint = m2.nodes().stream().filter(n -> n.opType().equals("MatMulInteger")).toList().get(0).input(3);
        for (byte z : m2.rawBytes(m2.initializers().get(zeroPoint))) {
            assertEquals(127, z & 0xFF);
        }

        BenchmarkReport a512 = OnnxModelBenchmark.run(avx512, miniLm, null, NO_SPEED, f -> { }, () -> false);
        BenchmarkReport a2 = OnnxModelBenchmark.run(avx2, miniLm, null, NO_SPEED, f -> { }, () -> false);
        System.out.printf(java.util.Locale.ROOT, "[onnxq2] preset avx512: mean output cosine %.5f, %d bytes%n",
                a512.agreement().meanCosineSimilarity(), a512.size().bytes());
        System.out.printf(java.util.Locale.ROOT, "[onnxq2] preset avx2: mean output cosine %.5f, %d bytes%n",
                a2.agreement().meanCosineSimilarity(), a2.size().bytes());
        assertTrue(a512.agreement().meanCosineSimilarity() > 0.98, a512.agreement().toString());
        assertTrue(a2.agreement().meanCosineSimilarity() > 0.98, a2.agreement().toString());
        assertEquals("int8-dynamic-u8u8-per-channel", a2.variant().fileType());
    }

    @Test
    void whatIsNotBuiltIsRefusedWithTheReason() {
        InvalidInputException trt = assertThrows(InvalidInputException.class,
                () -> OnnxPreset.parse("TensorRT").options(OnnxQuantizeOptions.Method.INT8_STATIC, false, List.of()));
        assertTrue(trt.getMessage().contains("symmetric int8 activations"), trt.getMessage());
        assertThrows(InvalidInputException.class,
                () -> OnnxPreset.AVX512.options(OnnxQuantizeOptions.Method.INT8_STATIC, false, List.of()));
        assertThrows(InvalidInputException.class,
                () -> OnnxPreset.ARM64.options(OnnxQuantizeOptions.Method.INT8_DYNAMIC, true, List.of()));
        assertEquals(true, OnnxPreset.AVX2.options(OnnxQuantizeOptions.Method.INT8_DYNAMIC, true, List.of()).reduceRange());
        assertThrows(InvalidInputException.class, () -> OnnxPreset.parse("sse4"));
    }
}
