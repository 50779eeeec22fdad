package dev.quantforge.engine.bench;

import dev.quantforge.engine.model.ModelSource;

import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Measures one variant: size, per-tensor error against the source weights, quality against the
 * source's reference logits and speed, all on llama.cpp. CONTRACT STUB: the implementation replaces
 * every body.
 */
public final class VariantBenchmark {

    /**
     * @param threads          CPU threads for llama.cpp
     * @param promptTokens     tokens of the prompt-processing run (llama-bench's pp)
     * @param generationTokens tokens of the generation run (llama-bench's tg)
     * @param warmups          unmeasured runs first
     * @param repetitions      measured runs; median and p90 are over these
     * @param speed            false skips the speed runs
     */
    public record Options(int threads, int promptTokens, int generationTokens, int warmups, int repetitions,
                          boolean speed) {
        public static Options defaults(int threads) {
            return new Options(threads, 128, 64, 1, 3, true);
        }
    }

    /** Where a long benchmark is: {@code fraction} 0..1 of the whole. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = fraction -> {
        };

        void update(double fraction);
    }

    /**
     * @param variant     the variant's GGUF file
     * @param source      the source's weights under GGUF names (a GGUF file or an HF checkpoint opened with
     *                    {@code ModelSources.open}); null skips the per-tensor errors
     * @param sourceBytes size of the source on disk, for the compression ratio
     * @param paragraphs  the evaluation text, as {@code EvalText} cuts it
     * @param reference   the source's reference logits for that text; null skips quality
     * @param cancelled   polled between stages and tensors; true stops with a CancellationException
     */
    public static BenchmarkReport run(Path variant, ModelSource source, long sourceBytes, List<String> paragraphs,
                                      ReferenceLogits reference, Options options, Progress progress,
                                      BooleanSupplier cancelled) {
        throw new UnsupportedOperationException("not implemented yet");
    }
}
