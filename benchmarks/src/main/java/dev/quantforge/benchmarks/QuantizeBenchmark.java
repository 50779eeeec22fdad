package dev.quantforge.benchmarks;

import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.quant.Quantizer;
import dev.quantforge.engine.quant.Quantizers;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Quantize and dequantize 64 rows of 4096 N(0, 0.02) values per type, one thread. Throughput in
 * MB/s of F32 input is 1 MiB / (score in ms) × 1000 / 1.048576.
 * Run: java -jar benchmarks/target/benchmarks.jar QuantizeBenchmark -p type=Q4_0,Q4_K
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class QuantizeBenchmark {
    private static final int ROW = 4096;
    private static final int ROWS = 64;

    @Param({"F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K",
            "IQ4_NL", "IQ4_XS", "TQ1_0", "TQ2_0", "MXFP4", "NVFP4", "Q1_0", "Q2_0",
            "IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ3_XXS", "IQ3_S", "IQ1_S", "IQ1_M"})
    public String type;

    private Quantizer quantizer;
    private float[] values;
    private float[] importance;
    private byte[] quantized;
    private float[] decoded;

    @Setup
    public void setUp() {
        // the kernels' steady speed: the block types' vector code from the first pass, not after it wins a race
        System.getProperties().putIfAbsent("quantforge.kernels.blocks", "vector");
        GgmlType t = GgmlType.byName(type).orElseThrow();
        quantizer = Quantizers.require(t);
        Random random = new Random(42);
        values = new float[ROW * ROWS];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * 0.02);
        }
        importance = new float[ROW];
        Arrays.fill(importance, 1f);
        quantized = new byte[(int) t.byteSize(values.length, ROW)];
        decoded = new float[values.length];
        quantizer.quantize(values, 0, ROWS, ROW, quantizer.requiresImportance() ? importance : null, quantized, 0);
    }

    @Benchmark
    public byte[] quantize() {
        quantizer.quantize(values, 0, ROWS, ROW, quantizer.requiresImportance() ? importance : null, quantized, 0);
        return quantized;
    }

    @Benchmark
    public byte[] quantizeWithImportance() {
        quantizer.quantize(values, 0, ROWS, ROW, importance, quantized, 0);
        return quantized;
    }

    @Benchmark
    public float[] dequantize() {
        quantizer.dequantize(quantized, 0, decoded, 0, decoded.length);
        return decoded;
    }
}
