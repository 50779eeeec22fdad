package dev.quantforge.engine.runtime;

import dev.quantforge.engine.testing.Golden;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Models evaluated from several threads at once score exactly as they do one after the other. */
class ConcurrentModelsTest {
    private static final List<Path> FILES = List.of(
            Golden.llamaQuant("stories260K/tied/stories260K-Q6_K.gguf"),
            Golden.llamaQuant("stories260K/tied/stories260K-Q4_K_M.gguf"),
            Golden.llamaQuant("stories260K/tied/stories260K-Q6_K.gguf"));

    @Test
    void concurrentPerplexityRunsMatchSequentialOnes() throws Exception {
        List<String> paragraphs = EvalText.read(Golden.models("eval.txt"));
        List<Double> sequential = new ArrayList<>();
        for (Path file : FILES) {
            sequential.add(nll(file, paragraphs));
        }
        ExecutorService pool = Executors.newFixedThreadPool(FILES.size());
        try {
            List<Future<Double>> concurrent = new ArrayList<>();
            for (Path file : FILES) {
                concurrent.add(pool.submit(() -> nll(file, paragraphs)));
            }
            for (int i = 0; i < FILES.size(); i++) {
                assertEquals(sequential.get(i), concurrent.get(i).get(), FILES.get(i).getFileName().toString());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static double nll(Path file, List<String> paragraphs) {
        try (LlamaModel model = LlamaModel.load(file, LlamaModel.Options.threads(1))) {
            return model.perplexity(paragraphs).nllSum();
        }
    }
}
