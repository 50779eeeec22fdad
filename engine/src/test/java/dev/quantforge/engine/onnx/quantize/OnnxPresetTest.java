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

    /** Optimum's static presets: uint8 activations on MatMul and Add; tensorrt's symmetric int8 with weight pairs. */
    @Test
    void staticPresetsWriteOptimumsQdqGraphs() throws IOException {
        Path source = miniLm;
        Path calibration = java.nio.file.Files.write(dir.resolve("calibration.txt"),
                List.of(java.util.Arrays.copyOf(MiniLmReferenceTest.CALIBRATION, 8)));

        Path avx512 = dir.resolve("avx512-static.onnx");
        OnnxQuantizer.Result r512 = OnnxQuantizer.quantize(source, avx512, OnnxPreset.AVX512
                .options(OnnxQuantizeOptions.Method.INT8_STATIC, false, List.of())
                .withCalibration(calibration, OnnxQuantizeOptions.Calibration.MINMAX));
        OnnxModelFile m512 = OnnxModelFile.read(avx512);
        assertEquals(java.util.Set.of("MatMul", "Add"), quantizedOps(r512));
        GraphNode firstMatMul = m512.nodes().stream().filter(n -> n.opType().equals("MatMul")).findFirst().orElseThrow();
        String a = firstMatMul.input(0).replace("_DequantizeLinear_Output", "");
        String w = firstMatMul.input(1).replace("_DequantizeLinear_Output", "");
        assertEquals(QuantType.UINT8.onnxId(), m512.initializers().get(a + "_zero_point").dataType(), "uint8 activations");
        assertEquals(QuantType.INT8.onnxId(), m512.initializers().get(w + "_quantized").dataType(), "int8 weights");
        assertArrayEquals(new long[]{384}, m512.initializers().get(w + "_scale").dims(), "per channel");
        // Add's constants in the activation type, symmetric: uint8 around 127
        String constant = m512.initializers().keySet().stream().filter(n -> n.endsWith("_quantized")
                && m512.initializers().get(n).dataType() == QuantType.UINT8.onnxId()).findFirst().orElseThrow();
        assertEquals(127, m512.rawBytes(m512.initializers().get(constant.replace("_quantized", "_zero_point")))[0] & 0xFF);

        Path trt = dir.resolve("tensorrt.onnx");
        OnnxQuantizer.Result rTrt = OnnxQuantizer.quantize(source, trt, OnnxPreset.TENSORRT
                .options(OnnxQuantizeOptions.Method.INT8_STATIC, false, List.of())
                .withCalibration(calibration, OnnxQuantizeOptions.Calibration.MINMAX));
        OnnxModelFile mTrt = OnnxModelFile.read(trt);
        assertEquals(java.util.Set.of("MatMul", "Add"), quantizedOps(rTrt));
        GraphNode trtMatMul = mTrt.nodes().stream().filter(n -> n.opType().equals("MatMul")).findFirst().orElseThrow();
        String weight = trtMatMul.input(1).replace("_DequantizeLinear_Output", "");
        assertTrue(mTrt.initializers().containsKey(weight), "the float weight is kept, quantized by a QuantizeLinear");
        assertTrue(mTrt.nodes().stream().anyMatch(n -> n.name().equals(weight + "_QuantizeLinear")));
        for (String name : mTrt.initializers().keySet()) {
            if (name.endsWith("_zero_point") && mTrt.initializers().get(name).dataType() == QuantType.INT8.onnxId()) {
                for (byte z : mTrt.rawBytes(mTrt.initializers().get(name))) {
                    assertEquals(0, z, name + ": symmetric int8");
                }
            }
        }
        // a tensor read by several quantized nodes (a LayerNorm output: Q, K and V MatMuls and the residual Add) has a
        // pair per reader, numbered from 1
        assertTrue(mTrt.nodes().stream().anyMatch(n -> n.name().endsWith("_DequantizeLinear_4")), "dedicated pairs");

        // MiniLM is opset 11: per-channel QDQ raised it to 13, its Unsqueeze axes now an input
        for (OnnxModelFile m : List.of(m512, mTrt)) {
            assertEquals(13L, m.opsets().get(""));
            GraphNode unsqueeze = m.nodes().stream().filter(n -> n.opType().equals("Unsqueeze")).findFirst().orElseThrow();
            assertEquals(2, unsqueeze.inputs().size());
            assertEquals(null, unsqueeze.intsAttribute("axes"));
        }
        // floors under the measured figures (docs/benchmark.md): ORT's QDQ on an unfused BERT graph (LayerNorm as
        // ReduceMean/Sub/Pow/Add/Sqrt/Div, whose Adds are quantized) costs much agreement, symmetric int8 the most
        double[] floors = {0.7, 0.45};
        List<Path> models = List.of(avx512, trt);
        for (int i = 0; i < models.size(); i++) {
            BenchmarkReport r = OnnxModelBenchmark.run(models.get(i), source, null, NO_SPEED, f -> { }, () -> false);
            System.out.printf(java.util.Locale.ROOT, "[onnxq3] static preset %s: %s, mean output cosine %.5f, %d bytes%n",
                    models.get(i).getFileName(), r.variant().fileType(), r.agreement().meanCosineSimilarity(), r.size().bytes());
            assertTrue(r.agreement().meanCosineSimilarity() > floors[i], r.agreement().toString());
        }
    }

    private static java.util.Set<String> quantizedOps(OnnxQuantizer.Result r) {
        return r.plan().entries().stream().filter(e -> e.action() == QuantizationPlan.Action.QUANTIZED)
                .map(QuantizationPlan.Entry::opType).collect(java.util.stream.Collectors.toSet());
    }

    @Test
    void whatIsNotBuiltIsRefusedWithTheReason() {
        InvalidInputException trt = assertThrows(InvalidInputException.class,
                () -> OnnxPreset.parse("TensorRT").options(OnnxQuantizeOptions.Method.INT8_DYNAMIC, false, List.of()));
        assertTrue(trt.getMessage().contains("static QDQ only"), trt.getMessage());
        assertThrows(InvalidInputException.class,
                () -> OnnxPreset.AVX512.options(OnnxQuantizeOptions.Method.INT4, false, List.of()));
        assertThrows(InvalidInputException.class,
                () -> OnnxPreset.ARM64.options(OnnxQuantizeOptions.Method.INT8_DYNAMIC, true, List.of()));
        assertThrows(InvalidInputException.class,
                () -> OnnxPreset.ARM64.options(OnnxQuantizeOptions.Method.INT8_STATIC, true, List.of()));
        assertEquals(true, OnnxPreset.AVX2.options(OnnxQuantizeOptions.Method.INT8_DYNAMIC, true, List.of()).reduceRange());
        assertThrows(InvalidInputException.class, () -> OnnxPreset.parse("sse4"));
    }
}
