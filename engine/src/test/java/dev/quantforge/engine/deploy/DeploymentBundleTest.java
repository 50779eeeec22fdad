package dev.quantforge.engine.deploy;

import dev.quantforge.common.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeploymentBundleTest {
    private static final long MIB = 1L << 20;

    /** A 7B-like GGUF: 4 GiB, 32 layers, 8 KV heads of 128, 4096 tokens of context. */
    private static final ServingFacts LLAMA = new ServingFacts("llama-3-8b", "Q4_K_M", ServingFacts.Format.GGUF,
            "llama-3-8b-Q4_K_M.gguf", 4096 * MIB, 4096, 32, 8 * 128, 8);

    @Test
    void memoryIsModelTimesOnePointTwoPlusKvCachePlusOverheadRoundedTo64Mi() {
        // 4096 Mi × 1.2 = 4915.2 Mi; KV 2 × 32 × 4096 × 1024 × 2 bytes = 512 Mi; llama.cpp 256 Mi → 5683.2 → 5696
        assertEquals(512 * MIB, DeploymentBundle.kvCacheBytes(LLAMA));
        assertEquals(5696, DeploymentBundle.memoryRequestMi(LLAMA));
        assertEquals(7168, DeploymentBundle.memoryLimitMi(LLAMA), "request × 1.25 = 7120 → 7168");
        ServingFacts tiny = new ServingFacts("stories260K", "Q4_0", ServingFacts.Format.GGUF, "stories260K-Q4_0.gguf",
                300_000, 512, 5, 4 * 8, 2);
        assertEquals(320, DeploymentBundle.memoryRequestMi(tiny), "a tiny model is the overhead, rounded");
    }

    @Test
    void theGgufBundleServesTheModelWithLlamaCppsServerAndItsFigures() {
        Map<String, byte[]> files = DeploymentBundle.render(LLAMA);
        assertEquals(List.of("Dockerfile", "compose.yaml", "kubernetes.yaml", "README.md"), List.copyOf(files.keySet()));
        String dockerfile = text(files, "Dockerfile");
        assertTrue(dockerfile.contains("FROM ghcr.io/ggml-org/llama.cpp:server\n"), dockerfile);
        assertTrue(dockerfile.contains("COPY llama-3-8b-Q4_K_M.gguf /models/llama-3-8b-Q4_K_M.gguf"), dockerfile);
        assertTrue(dockerfile.contains("LLAMA_ARG_CTX_SIZE=4096") && dockerfile.contains("LLAMA_ARG_THREADS=8")
                && dockerfile.contains("LLAMA_ARG_PORT=8080") && dockerfile.contains("EXPOSE 8080"), dockerfile);
        String k8s = text(files, "kubernetes.yaml");
        assertTrue(k8s.contains("name: llama-3-8b-q4-k-m\n") && k8s.contains("memory: 5696Mi") && k8s.contains("memory: 7168Mi")
                && k8s.contains("cpu: \"8\"") && k8s.contains("path: /health"), k8s);
        assertTrue(text(files, "compose.yaml").contains("memory: 5696M"));
        assertTrue(text(files, "README.md").contains("Untested here"));
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            assertFalse(text(files, f.getKey()).contains("{{"), f.getKey() + " has every placeholder filled");
        }
        // the same facts, the same bytes
        Map<String, byte[]> again = DeploymentBundle.render(LLAMA);
        files.forEach((name, bytes) -> assertArrayEquals(bytes, again.get(name), name));
    }

    @Test
    void onnxAndMlxDirectoriesGetTheirOwnServers(@TempDir Path dir) throws Exception {
        Path onnx = Files.createDirectories(dir.resolve("tiny-int4"));
        Files.writeString(onnx.resolve("genai_config.json"), "{}");
        Files.writeString(onnx.resolve("config.json"), "{\"num_hidden_layers\": 4, \"num_attention_heads\": 8,"
                + " \"num_key_value_heads\": 2, \"hidden_size\": 256, \"max_position_embeddings\": 131072}");
        Files.write(onnx.resolve("model.onnx.data"), new byte[1000]);
        ServingFacts facts = ServingFacts.of(onnx, "tiny", "int4", 2);
        assertEquals(ServingFacts.Format.ONNX, facts.format());
        assertEquals(4096, facts.context(), "the trained context, at most 4096");
        assertEquals(2 * 32, facts.kvWidth());
        assertEquals(4, facts.layers());
        assertTrue(facts.modelBytes() > 1000);
        Map<String, byte[]> files = DeploymentBundle.render(facts);
        assertEquals(List.of("Dockerfile", "serve.py", "compose.yaml", "kubernetes.yaml", "README.md"), List.copyOf(files.keySet()));
        assertTrue(text(files, "Dockerfile").contains("onnxruntime-genai") && text(files, "Dockerfile").contains("COPY tiny-int4 /models/tiny-int4"));
        assertTrue(text(files, "serve.py").contains("og.Model(MODEL_DIR)"));

        Path mlx = Files.createDirectories(dir.resolve("tiny-4bit"));
        Files.writeString(mlx.resolve("config.json"), "{\"quantization\": {\"bits\": 4, \"group_size\": 64},"
                + " \"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"hidden_size\": 64, \"max_position_embeddings\": 256}");
        ServingFacts mlxFacts = ServingFacts.of(mlx, "tiny", "4bit", 4);
        assertEquals(ServingFacts.Format.MLX, mlxFacts.format());
        assertEquals(256, mlxFacts.context());
        assertEquals(64, mlxFacts.kvWidth(), "no num_key_value_heads: as many as the attention heads");
        String dockerfile = text(DeploymentBundle.render(mlxFacts), "Dockerfile");
        assertTrue(dockerfile.contains("mlx_lm.server") && dockerfile.contains("/models/tiny-4bit"), dockerfile);
        assertTrue(text(DeploymentBundle.render(mlxFacts), "kubernetes.yaml").contains("path: /v1/models"));

        Path other = Files.createDirectories(dir.resolve("other"));
        assertThrows(InvalidInputException.class, () -> ServingFacts.of(other, "x", "y", 1));
    }

    @Test
    void namesAreKubernetesNames() {
        assertEquals("stories260k-q4-k-m", DeploymentBundle.kubernetesName("stories260K", "Q4_K_M"));
        assertEquals("m-q4-k-m-custom-1a2b", DeploymentBundle.kubernetesName("--M", "Q4_K_M-custom-1a2b"));
        String longName = DeploymentBundle.kubernetesName("a".repeat(70), "Q8_0");
        assertEquals(63, longName.length());
        assertEquals("Q4_K_M-custom-1a2b", DeploymentBundle.labelValue("Q4_K_M-custom-1a2b"));
    }

    private static String text(Map<String, byte[]> files, String name) {
        return new String(files.get(name), StandardCharsets.UTF_8);
    }
}
