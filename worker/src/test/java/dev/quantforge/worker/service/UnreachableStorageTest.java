package dev.quantforge.worker.service;

import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.common.messages.TaskEvent;
import dev.quantforge.common.messages.TaskMessage;
import dev.quantforge.worker.testing.TestBed;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Object storage that does not answer: the worker tries a few times with backoff, then fails the task. */
class UnreachableStorageTest {

    @Test
    void storageFaultsAreRetriedThenTheTaskFails() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (TestBed bed = new TestBed()) {
            bed.startWorker("cut-off", Map.of("qf.s3.endpoint", "http://127.0.0.1:" + closedPort,
                    "qf.retry.attempts", "3", "qf.retry.initial-backoff", "PT0.05S"));
            TaskMessage task = bed.task(UUID.randomUUID(), "stories260K", "s3://" + TestBed.BUCKET + "/anything/",
                    SourceFormat.HF, Recipe.gguf("Q8_0"));
            bed.publish(task);
            TaskEvent end = WorkerTasksTest.last(bed.awaitEnd(task.taskId(), Duration.ofSeconds(60)));
            assertEquals(TaskEvent.Type.FAILED, end.type());
            assertTrue(end.reason().contains("failed after 3 attempts"), end.reason());
            assertTrue(end.reason().startsWith("S3 "), end.reason());
        }
    }
}
