package dev.quantforge.worker.tasks;

import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.common.messages.TaskMessage;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FailureReasonTest {
    private static final Path SCRATCH = Path.of("/var/tmp/quantforge-worker/abc-123");

    @Test
    void localPathsOfAnHfSourceBecomeItsObjects() {
        TaskMessage task = task("s3://models/llama/tiny/", SourceFormat.HF);
        String reason = TaskProcessor.reason(SCRATCH + "/source/model.safetensors: header length 99 exceeds the file\nmore",
                task, SCRATCH);
        assertEquals("s3://models/llama/tiny/model.safetensors: header length 99 exceeds the file", reason);
    }

    @Test
    void theLocalCopyOfAGgufSourceBecomesItsUri() {
        TaskMessage task = task("s3://models/gguf/tiny-f16.gguf", SourceFormat.GGUF);
        String reason = TaskProcessor.reason(SCRATCH + "/source/tiny-f16.gguf: not a GGUF file", task, SCRATCH);
        assertEquals("s3://models/gguf/tiny-f16.gguf: not a GGUF file", reason);
    }

    @Test
    void aVeryLongMessageIsCut() {
        String reason = TaskProcessor.reason("x".repeat(2000), task("s3://models/m/", SourceFormat.HF), null);
        assertEquals(500, reason.length());
        assertTrue(reason.endsWith("…"));
    }

    private static TaskMessage task(String source, SourceFormat format) {
        return new TaskMessage(UUID.randomUUID(), UUID.randomUUID(), "tiny", source, format, "Q8_0", Recipe.gguf("Q8_0"),
                null, "s3://results/tiny/job/Q8_0/", null, null);
    }
}
