package dev.quantforge.worker.service;

import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.common.messages.TaskEvent;
import dev.quantforge.common.messages.TaskMessage;
import dev.quantforge.worker.testing.SyntheticCheckpoint;
import dev.quantforge.worker.testing.TestBed;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tasks that take seconds rather than milliseconds (a synthetic Llama quantized to iq3_s on one thread), so
 * that something can happen while they run: a cancellation, or the worker stopping.
 */
class LongTaskTest {
    static final Duration TIMEOUT = Duration.ofSeconds(90);
    /** Slow on purpose: the grid search of iq3_s, one engine thread. */
    static final Recipe SLOW = new Recipe("gguf", "Q4_0", false, null, "q8_0", false, List.of("blk=iq3_s"));
    static final Map<String, String> ONE_ENGINE_THREAD = Map.of("qf.worker.engine-threads", "1");

    static TestBed bed;
    static String syntheticUri;

    @BeforeAll
    static void start(@TempDir Path tmp) {
        bed = new TestBed();
        Path model = SyntheticCheckpoint.write(tmp.resolve("synthetic"), WorkerTasksTest.STORIES, 256, 768, 3);
        syntheticUri = bed.uploadDir(model, bed.run + "/models/synthetic");
    }

    @AfterAll
    static void stop() {
        if (bed != null) {
            bed.close();
        }
    }

    @AfterEach
    void stopWorkers() {
        bed.stopWorkers();
    }

    @Test
    void cancellingAJobStopsItsRunningTaskAtTheNextTensor() throws Exception {
        bed.startWorker("canceller", ONE_ENGINE_THREAD);
        TaskMessage task = bed.task(UUID.randomUUID(), "synthetic", syntheticUri, SourceFormat.HF, SLOW);
        bed.publish(task);
        awaitBuilding(task);

        long cancelled = System.nanoTime();
        bed.cancel(task.jobId());
        List<TaskEvent> events = bed.awaitEnd(task.taskId(), TIMEOUT);
        Duration reaction = Duration.ofNanos(System.nanoTime() - cancelled);
        TaskEvent end = WorkerTasksTest.last(events);
        assertEquals(TaskEvent.Type.CANCELLED, end.type(), () -> "end: " + end);
        assertTrue(reaction.compareTo(Duration.ofSeconds(3)) < 0, "stopped within 3 s of the cancel, took " + reaction);
        assertFalse(bed.exists(task.resultsPrefix() + "manifest.json"), "nothing published");
        try (var left = Files.list(bed.scratchDir(0))) {
            assertTrue(left.findAny().isEmpty(), "scratch cleaned");
        }

        // the worker is free again and its partition not stuck behind the cancelled task
        TaskMessage next = bed.task(UUID.randomUUID(), "stories260K", syntheticUri.replace("synthetic", "stories260K"),
                SourceFormat.HF, Recipe.gguf("Q8_0"));
        bed.uploadDir(WorkerTasksTest.STORIES, bed.run + "/models/stories260K");
        bed.publish(next, partitionOf(task));
        assertEquals(TaskEvent.Type.SUCCEEDED, WorkerTasksTest.last(bed.awaitEnd(next.taskId(), TIMEOUT)).type());
    }

    @Test
    void aStoppedWorkerLeavesItsTaskToAnotherOne() {
        var first = bed.startWorker("leaver", ONE_ENGINE_THREAD);
        TaskMessage task = bed.task(UUID.randomUUID(), "synthetic", syntheticUri, SourceFormat.HF, SLOW);
        bed.publish(task);
        awaitBuilding(task);

        bed.stop(first);
        assertTrue(bed.events(task.taskId()).stream().noneMatch(e -> TestBed.isTerminal(e.type())),
                "the stopped worker reports no end: " + bed.events(task.taskId()));
        bed.startWorker("taker", Map.of());
        List<TaskEvent> events = bed.awaitEnd(task.taskId(), TIMEOUT);
        TaskEvent end = WorkerTasksTest.last(events);
        assertEquals(TaskEvent.Type.SUCCEEDED, end.type(), () -> "end: " + end);
        assertEquals("taker", end.worker());
        assertEquals(List.of("leaver", "taker"), events.stream().filter(e -> e.type() == TaskEvent.Type.STARTED)
                .map(TaskEvent::worker).toList(), "started by the first worker, then again by the second");
        assertTrue(bed.exists(task.resultsPrefix() + "manifest.json"));
    }

    @Test
    void aTaskLongerThanTheMaximumPollIntervalIsDeliveredOnce() {
        // a consumer that worked on the polling thread would be thrown out of the group after 1 s and the
        // task delivered again; this one keeps polling with its partitions paused. The task takes 1.5-2 s
        // on an idle machine, longer under load.
        bed.startWorker("patient", ONE_ENGINE_THREAD, Map.of("max.poll.interval.ms", 1000, "session.timeout.ms", 6000));
        TaskMessage task = bed.task(UUID.randomUUID(), "synthetic", syntheticUri, SourceFormat.HF, SLOW);
        bed.publish(task);
        List<TaskEvent> events = bed.awaitEnd(task.taskId(), TIMEOUT);
        TaskEvent end = WorkerTasksTest.last(events);
        assertEquals(TaskEvent.Type.SUCCEEDED, end.type(), () -> "end: " + end);
        long took = end.result().totalMillis();
        assertTrue(took > 1000, "the task outlasted max.poll.interval.ms: " + took + " ms");
        sleepMillis(3000); // a second delivery would show up by now
        assertEquals(1, bed.events(task.taskId()).stream().filter(e -> e.type() == TaskEvent.Type.STARTED).count(),
                () -> "delivered once: " + bed.events(task.taskId()));
    }

    @Test
    void aWorkerWithTwoSlotsRunsTwoTasksOfOnePartitionAtOnce() {
        bed.startWorker("two-slots", Map.of("qf.worker.concurrency", "2", "qf.worker.engine-threads", "1"));
        UUID job = UUID.randomUUID();
        TaskMessage first = bed.task(job, "synthetic", syntheticUri, SourceFormat.HF, SLOW);
        TaskMessage second = new TaskMessage(UUID.randomUUID(), job, "synthetic", syntheticUri, SourceFormat.HF, "second",
                SLOW, null, first.resultsPrefix().replace(first.variant(), "second"), null, null);
        bed.publish(first, 0);
        bed.publish(second, 0);
        TaskEvent firstEnd = WorkerTasksTest.last(bed.awaitEnd(first.taskId(), TIMEOUT));
        TaskEvent secondEnd = WorkerTasksTest.last(bed.awaitEnd(second.taskId(), TIMEOUT));
        assertEquals(TaskEvent.Type.SUCCEEDED, firstEnd.type());
        assertEquals(TaskEvent.Type.SUCCEEDED, secondEnd.type());
        TaskEvent secondStarted = bed.firstOf(second.taskId(), TaskEvent.Type.STARTED).orElseThrow();
        assertTrue(secondStarted.at().isBefore(firstEnd.at()), "the second task started before the first one ended");
    }

    /** Waits until the task is past its download, quantizing. */
    private static void awaitBuilding(TaskMessage task) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (bed.events(task.taskId()).stream().noneMatch(e -> e.type() == TaskEvent.Type.PROGRESS && e.progress() > 20)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("task " + task.taskId() + " never got to building: " + bed.events(task.taskId()));
            }
            sleep();
        }
    }

    private static int partitionOf(TaskMessage task) {
        return org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(
                task.taskId().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8))) % TestBed.TASK_PARTITIONS;
    }

    private static void sleep() {
        sleepMillis(20);
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
