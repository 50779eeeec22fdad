package dev.quantforge.common.quality;

/**
 * The headline figures of one variant's benchmark, as the API stores and reports them and the quality
 * gates judge them. The full measurement is the variant's {@code benchmark.json}; a figure that was not
 * measured (e.g. speed skipped) is null.
 *
 * @param modelBytes                 size of the variant's GGUF file (or its directory's files)
 * @param bitsPerWeight              bits per weight over all tensors, as llama.cpp counts them
 * @param compressionRatio           source bytes / variant bytes
 * @param sourcePerplexity           perplexity of the source on the evaluation text
 * @param perplexity                 perplexity of the variant on the same text
 * @param perplexityIncreasePercent  {@code 100 * (perplexity / sourcePerplexity - 1)}
 * @param meanKld                    mean KL divergence of the variant's next-token distributions from the source's
 * @param sameTopPercent             share of positions where both pick the same most likely token, in percent
 * @param promptTokensPerSecond      prompt processing speed on the runtime (median)
 * @param generationTokensPerSecond  generation speed on the runtime (median)
 * @param threads                    CPU threads the speed was measured with
 * @param runtime                    what ran the variant for these figures ({@code llama.cpp}, {@code onnxruntime 1.29.0
 *                                   (CPU execution provider)}, {@code llama.cpp (dequantized weights)} for MLX); null in
 *                                   figures reported before it was added (llama.cpp)
 * @param meanOutputCosine           a non-LLM ONNX model's mean cosine similarity of its outputs to the source model's
 *                                   on the evaluation inputs ({@code agreement} in benchmark.json); null for LLMs
 */
public record BenchmarkSummary(long modelBytes, double bitsPerWeight, double compressionRatio, Double sourcePerplexity,
                               Double perplexity, Double perplexityIncreasePercent, Double meanKld, Double sameTopPercent,
                               Double promptTokensPerSecond, Double generationTokensPerSecond, int threads, String runtime,
                               Double meanOutputCosine) {

    public BenchmarkSummary {
        if (modelBytes <= 0) {
            throw new IllegalArgumentException("modelBytes must be positive, got " + modelBytes);
        }
        if (threads < 0) {
            throw new IllegalArgumentException("threads must not be negative, got " + threads);
        }
    }

    /** The figures of an LLM variant (no output agreement). */
    public BenchmarkSummary(long modelBytes, double bitsPerWeight, double compressionRatio, Double sourcePerplexity,
                            Double perplexity, Double perplexityIncreasePercent, Double meanKld, Double sameTopPercent,
                            Double promptTokensPerSecond, Double generationTokensPerSecond, int threads, String runtime) {
        this(modelBytes, bitsPerWeight, compressionRatio, sourcePerplexity, perplexity, perplexityIncreasePercent, meanKld,
                sameTopPercent, promptTokensPerSecond, generationTokensPerSecond, threads, runtime, null);
    }
}
