package dev.quantforge.engine.onnx;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quantforge.engine.bench.BenchmarkReport;
import dev.quantforge.engine.bench.OnnxBenchmark;
import dev.quantforge.engine.bench.VariantBenchmark;
import dev.quantforge.engine.hf.HfConverter;
import dev.quantforge.engine.hf.OutputType;
import dev.quantforge.engine.runtime.EvalText;
import dev.quantforge.engine.runtime.LlamaModel;
import dev.quantforge.engine.testing.Golden;
import dev.quantforge.engine.testing.Models;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Quantized variants with float16 activations (the gpu-onnx-int4 profile's int4, and int8) on stories260K: the
 * graph's I/O is the fp16 target's (int64 ids, mask and positions; float16 past, present and logits), MatMulNBits
 * takes float16 scales, and ONNX Runtime's CPU execution provider runs them, with logits close to those of the same
 * variant with float32 activations over every position of eval.txt, and the same through the KV cache.
 */
class OnnxFp16ActivationsTest {
    private static final int CONTEXT = 256;
    private static final List<String> PARAGRAPHS = EvalText.read(Golden.models("eval.txt"));

    @TempDir
    static Path tmp;

    static LlamaModel tokenizer;
    static Path fp32;
    static Path fp16;
    static Path int4;
    static Path int4Half;
    static Path int8;
    static Path int8Half;

    @BeforeAll
    static void export() {
        fp32 = export("fp32", OnnxExportOptions.of(OnnxPrecision.FP32));
        fp16 = export("fp16", OnnxExportOptions.of(OnnxPrecision.FP16));
        OnnxExportOptions b32 = OnnxExportOptions.of(OnnxPrecision.INT4).withBlockSize(32);
        int4 = export("int4", b32);
        int4Half = export("int4-fp16act", b32.withActivations(OnnxActivations.FP16));
        int8 = export("int8", OnnxExportOptions.of(OnnxPrecision.INT8));
        int8Half = export("int8-fp16act", OnnxExportOptions.of(OnnxPrecision.INT8).withActivations(OnnxActivations.FP16));
        Path gguf = tmp.resolve("stories260K-F32.gguf");
        HfConverter.convert(Models.stories260K(), gguf, OutputType.F32);
        tokenizer = LlamaModel.load(gguf, LlamaModel.Options.threads(1));
    }

    @AfterAll
    static void close() {
        if (tokenizer != null) {
            tokenizer.close();
        }
    }

    private static Path export(String name, OnnxExportOptions options) {
        Path out = tmp.resolve(name);
        OnnxExporter.Result result = OnnxExporter.export(Models.stories260K(), out, options, t -> { }, () -> false);
        // the plan (a dry run) counts what the export writes, float16 scales and tables included
        long planned = OnnxExporter.plan(Models.stories260K(), options).stream().mapToLong(OnnxPlannedTensor::byteSize).sum();
        assertEquals(result.tensorBytes(), planned, name);
        return out;
    }

    @Test
    void graphIoIsTheFp16TargetsAndMatMulNBitsScalesAreFloat16() throws IOException {
        OnnxModelInfo half = OnnxModelInfo.read(int4Half);
        OnnxModelInfo target = OnnxModelInfo.read(fp16);
        assertEquals(target.inputs(), half.inputs(), "inputs as the fp16 target's");
        assertEquals(target.outputs(), half.outputs(), "outputs as the fp16 target's");
        for (OnnxModelInfo.Value v : half.inputs()) {
            assertEquals(v.name().startsWith("past_key_values.") ? "float16" : "int64", v.type(), v.name());
        }
        for (OnnxModelInfo.Value v : half.outputs()) {
            assertEquals("float16", v.type(), v.name());
        }
        assertEquals("float", OnnxModelInfo.read(int4).outputs().get(0).type(), "the default stays float32");
        // 7 MatMuls a layer and lm_head; every scale float16: the float32 initializers left are the few constants
        // the fp16 target has too (RoPE's frequencies, epsilon, ...), the float16 ones one per weight of it
        assertEquals(5 * 7 + 1, half.opCounts().get("com.microsoft.MatMulNBits"));
        assertEquals(target.initializersByType().get("float"), half.initializersByType().get("float"));
        assertEquals(target.initializersByType().get("float16"), half.initializersByType().get("float16"));
        assertEquals(OnnxModelInfo.read(int4).initializersByType().get("uint8"), half.initializersByType().get("uint8"));
        assertEquals("int4-b32-asym-fp16act", half.precision());
        // int8 keeps opset 17's float32 DequantizeLinear and casts the weight to float16 for the MatMul
        OnnxModelInfo int8Info = OnnxModelInfo.read(int8Half);
        assertEquals(target.outputs(), int8Info.outputs());
        assertEquals(int8Info.opCounts().get("DequantizeLinear") + half.opCounts().get("Cast"), int8Info.opCounts().get("Cast"));
        // onnxruntime-genai reads the dtypes from the model: the config names the same I/O as float32 activations'
        ObjectMapper json = new ObjectMapper();
        assertEquals(json.readTree(int4.resolve(OnnxExporter.GENAI_CONFIG).toFile()),
                json.readTree(int4Half.resolve(OnnxExporter.GENAI_CONFIG).toFile()));
        String card = Files.readString(int4Half.resolve("README.md"));
        assertTrue(card.contains("float16 scales), float16 activations, KV cache and logits"), card);
    }

    /**
     * Tolerances: float16 keeps 11 significant bits (unit roundoff u = 2^-11); the hidden state is rounded at about a
     * dozen points a layer (norms, projections, RoPE, residual adds), some 60 over stories260K's 5 layers. Independent
     * roundings would move the logits by about sqrt(60) * u / sqrt(3) = 0.2 % of their range; the RMS difference may
     * be 1 % (room for correlated errors). In distribution terms, float16 activations may add at most 5 % to the
     * variant's mean KLD from the float32 export (the source), and change the top token at under 3 % of positions.
     */
    @Test
    void logitsAgreeWithFloat32ActivationsWithinFloat16Rounding() {
        List<float[]> reference = rows(fp32);
        for (Path[] pair : List.of(new Path[]{int4, int4Half}, new Path[]{int8, int8Half})) {
            List<float[]> full = rows(pair[0]);
            List<float[]> half = rows(pair[1]);
            Agreement quantization = Agreement.of(reference, full);
            Agreement activations = Agreement.of(full, half);
            Agreement both = Agreement.of(reference, half);
            String name = pair[1].getFileName().toString();
            System.out.printf("[onnx] %s vs float32 activations: %s; quantization (fp32 export vs %s): %s; fp32 export vs %s: %s%n",
                    name, activations, pair[0].getFileName(), quantization, name, both);
            assertTrue(activations.rms() <= 0.01 * activations.range(), name + ": " + activations);
            assertTrue(both.meanKld() <= 1.05 * quantization.meanKld(), name + ": " + both + " vs " + quantization);
            assertTrue(activations.sameTop() >= 0.97, name + ": " + activations);
        }
    }

    @Test
    void theKvCacheGivesTheFullWindowsLogits() {
        int[] tokens = tokenizer.tokenize(PARAGRAPHS.get(0), true);
        int n = Math.min(48, tokens.length);
        int[] window = java.util.Arrays.copyOf(tokens, n);
        try (OnnxDecoder decoder = OnnxDecoder.load(int4Half, new OnnxDecoder.Options(1, CONTEXT))) {
            assertTrue(decoder.isHalf());
            float[][] whole = decoder.logits(window);
            double max = 0;
            try (OnnxDecoder.Cache cache = decoder.newCache()) {
                for (int i = 0; i < n; i++) {
                    float[] step = decoder.run(cache, new int[]{window[i]})[0];
                    for (int j = 0; j < step.length; j++) {
                        max = Math.max(max, Math.abs(step[j] - whole[i][j]));
                    }
                }
            }
            System.out.printf("[onnx] int4-fp16act: token by token vs whole window, max |dlogit| %.5f%n", max);
            // the same float16 roundings, but products of other shapes (1 row, not n) may sum in another order: a
            // logit may land on a neighbouring float16; two float16 steps at stories260K's logits (|x| < 32) is 2^-5
            assertTrue(max <= 0x1p-5, "max |dlogit| " + max);
        }
    }

    @Test
    void theReportsRuntimeSaysTheVariantTargetsAGpu() {
        VariantBenchmark.Options noSpeed = new VariantBenchmark.Options(1, 16, 8, 0, 1, false);
        BenchmarkReport half = OnnxBenchmark.run(int4Half, null, 0, PARAGRAPHS, null, noSpeed, VariantBenchmark.Progress.NONE,
                () -> false);
        assertTrue(half.runtimeLabel().endsWith("(CPU execution provider; the profile targets GPU)"), half.runtimeLabel());
        BenchmarkReport full = OnnxBenchmark.run(int4, null, 0, PARAGRAPHS, null, noSpeed, VariantBenchmark.Progress.NONE,
                () -> false);
        assertTrue(full.runtimeLabel().endsWith("(CPU execution provider)"), full.runtimeLabel());
    }

    private static List<float[]> rows(Path variant) {
        List<float[]> rows = new ArrayList<>();
        try (OnnxDecoder decoder = OnnxDecoder.load(variant, new OnnxDecoder.Options(1, CONTEXT))) {
            decoder.useTokenizer(tokenizer::tokenize, tokenizer.bosToken());
            decoder.perplexity(PARAGRAPHS, (i, target, logits) -> rows.add(logits.clone()));
        }
        return rows;
    }

    /** How two runs' logits over the same positions agree. */
    record Agreement(int positions, double rms, double maxAbs, double range, double meanKld, double sameTop) {
        static Agreement of(List<float[]> a, List<float[]> b) {
            assertEquals(a.size(), b.size());
            double squares = 0;
            double maxAbs = 0;
            double range = 0;
            double kld = 0;
            int same = 0;
            long count = 0;
            for (int i = 0; i < a.size(); i++) {
                float[] x = a.get(i);
                float[] y = b.get(i);
                for (int j = 0; j < x.length; j++) {
                    double d = x[j] - y[j];
                    squares += d * d;
                    maxAbs = Math.max(maxAbs, Math.abs(d));
                    range = Math.max(range, Math.abs(x[j]));
                }
                count += x.length;
                kld += kld(x, y);
                same += LlamaModel.argmax(x) == LlamaModel.argmax(y) ? 1 : 0;
            }
            return new Agreement(a.size(), Math.sqrt(squares / count), maxAbs, range, kld / a.size(), (double) same / a.size());
        }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "%d positions, rms |dlogit| %.4f (max %.4f, logits within ±%.2f), "
                    + "mean KLD %.3e, same top %.2f %%", positions, rms, maxAbs, range, meanKld, 100 * sameTop);
        }
    }

    /** KL(softmax(p) || softmax(q)), in double. */
    static double kld(float[] p, float[] q) {
        double[] lp = logSoftmax(p);
        double[] lq = logSoftmax(q);
        double sum = 0;
        for (int i = 0; i < lp.length; i++) {
            sum += Math.exp(lp[i]) * (lp[i] - lq[i]);
        }
        return Math.max(0, sum);
    }

    private static double[] logSoftmax(float[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : x) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : x) {
            sum += Math.exp(v - max);
        }
        double log = Math.log(sum) + max;
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] - log;
        }
        return out;
    }
}
