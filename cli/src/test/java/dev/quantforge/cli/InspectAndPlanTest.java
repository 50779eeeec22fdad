package dev.quantforge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InspectAndPlanTest {

    @TempDir
    Path dir;

    private Path llamaLike() {
        return TinyModels.write(dir.resolve("tiny.gguf"), List.of(
                TinyModels.random("token_embd.weight", 256, 32, 1),
                TinyModels.random("blk.0.attn_norm.weight", 256, 1, 2),
                TinyModels.random("blk.0.attn_q.weight", 256, 256, 3),
                TinyModels.random("blk.0.ffn_down.weight", 100, 256, 4)));
    }

    @Test
    void inspectPrintsTensorsAndTotals() {
        CliRun run = CliRun.of("inspect", llamaLike());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("blk.0.attn_q.weight"), run.out());
        assertTrue(run.out().contains("256x256"), run.out());
        assertTrue(run.out().contains("parameters      99,584"), run.out());
        assertTrue(run.out().contains("bits per weight 32.000"), run.out());
    }

    @Test
    void inspectJsonIsMachineReadable() throws Exception {
        CliRun run = CliRun.of("inspect", "--json", llamaLike());
        assertEquals(0, run.exitCode(), run.err());
        JsonNode json = new ObjectMapper().readTree(run.out());
        assertEquals(99_584, json.get("parameters").asLong());
        assertEquals(4, json.get("tensors").size());
        assertEquals("f32", json.get("tensors").get(2).get("type").asText());
        assertEquals("llama", json.get("metadata").get("general.architecture").asText());
    }

    @Test
    void dryRunPrintsThePlanAndWritesNothing() {
        Path out = dir.resolve("out.gguf");
        CliRun run = CliRun.of("quantize", "--dry-run", llamaLike(), out, "Q4_0");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("f32 -> q4_0"), run.out());
        assertTrue(run.out().contains("blk.0.attn_norm.weight"), run.out());
        assertTrue(run.out().contains("ffn_down.weight") && run.out().contains("f32 -> f16"), run.out());
        assertTrue(run.out().contains("file type Q4_0 (general.file_type = 2)"), run.out());
        assertFalse(Files.exists(out));
    }
}
