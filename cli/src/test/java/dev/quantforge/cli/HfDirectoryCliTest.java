package dev.quantforge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI pointed at a Hugging Face checkpoint directory: the bundled stories260K, and a broken copy of it. */
class HfDirectoryCliTest {
    private static final List<String> CHECKPOINT_FILES = List.of("config.json", "generation_config.json",
            "special_tokens_map.json", "tokenizer.model", "tokenizer_config.json", "model.safetensors");

    @TempDir
    Path dir;

    @Test
    void inspectShowsArchitectureHyperparametersAndGgufTensorNamesWithoutWriting() throws IOException {
        Path checkpoint = copyStories(dir.resolve("stories260K-hf"));
        Map<String, String> before = listing(dir);

        CliRun run = CliRun.of("inspect", checkpoint);

        assertEquals(0, run.exitCode(), run.err());
        String out = run.out();
        assertTrue(out.matches("(?s).*general\\.architecture\\s+string\\s+\"llama\".*"), out);
        for (String[] hp : new String[][] {{"block_count", "5"}, {"context_length", "512"}, {"embedding_length", "64"},
                {"feed_forward_length", "172"}, {"attention.head_count", "8"}, {"attention.head_count_kv", "4"},
                {"vocab_size", "512"}, {"rope.dimension_count", "8"}}) {
            assertTrue(out.matches("(?s).*\\n  llama\\." + hp[0].replace(".", "\\.") + "\\s+uint32\\s+" + hp[1] + "\\n.*"),
                    "llama." + hp[0] + " = " + hp[1] + " in\n" + out);
        }
        assertTrue(out.contains("tensors (47)"), out);
        for (String name : List.of("token_embd.weight", "output_norm.weight", "blk.0.attn_q.weight", "blk.4.ffn_down.weight",
                "blk.2.attn_norm.weight", "blk.3.ffn_gate.weight")) {
            assertTrue(out.matches("(?s).*\\n  " + name.replace(".", "\\.") + " .*"), name + " in\n" + out);
        }
        assertFalse(out.contains("model.layers."), "GGUF names, not Hugging Face ones");
        assertFalse(out.contains("  output.weight "), "tied embeddings: no output.weight");
        assertTrue(out.contains("parameters      260,032"), out);
        assertEquals(before, listing(dir), "inspect writes nothing");
    }

    @Test
    void inspectJsonGivesTheSameModel() throws IOException {
        CliRun run = CliRun.of("inspect", "--json", copyStories(dir.resolve("stories260K-hf")));
        assertEquals(0, run.exitCode(), run.err());
        JsonNode json = new ObjectMapper().readTree(run.out());
        assertEquals("llama", json.path("metadata").path("general.architecture").asText());
        assertEquals(5, json.path("metadata").path("llama.block_count").asInt());
        assertEquals(47, json.path("tensors").size());
        assertEquals("token_embd.weight", json.path("tensors").get(0).path("name").asText());
        assertEquals(260_032, json.path("parameters").asLong());
    }

    @Test
    void convertOfACheckpointWithoutLayerCountEndsWithOneLineAndNoFile() throws IOException {
        Path checkpoint = copyStories(dir.resolve("broken-hf"));
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(checkpoint.resolve("config.json").toFile());
        config.remove("num_hidden_layers");
        json.writeValue(checkpoint.resolve("config.json").toFile(), config);
        Path outDir = Files.createDirectories(dir.resolve("out"));
        Path output = outDir.resolve("broken.gguf");

        CliRun run = CliRun.of("convert", checkpoint, output);

        assertEquals(1, run.exitCode(), run.err());
        String err = run.err().strip();
        assertFalse(err.contains("\n"), "one line: " + err);
        assertTrue(err.startsWith("quantforge: "), err);
        assertTrue(err.contains("num_hidden_layers"), err);
        assertTrue(err.contains(checkpoint.toString()), "names the checkpoint: " + err);
        assertEquals("", run.out());
        assertFalse(Files.exists(output));
        try (Stream<Path> left = Files.list(outDir)) {
            assertEquals(List.of(), left.toList(), "no temporary file left behind");
        }
        System.out.println("[convert error] " + err);
    }

    /** A writable copy of the bundled stories260K checkpoint (F32, single file). */
    private static Path copyStories(Path target) throws IOException {
        Path source = TinyModels.bundledStories();
        Files.createDirectories(target);
        for (String file : CHECKPOINT_FILES) {
            Files.copy(source.resolve(file), target.resolve(file)).toFile().setWritable(true);
        }
        return target;
    }

    /** Every file under {@code root} with its size and modification time. */
    private static Map<String, String> listing(Path root) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.toList()) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                files.put(root.relativize(p).toString(), a.size() + " " + a.lastModifiedTime());
            }
        }
        return files;
    }
}
