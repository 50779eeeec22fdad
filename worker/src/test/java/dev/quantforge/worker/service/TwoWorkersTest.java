package dev.quantforge.worker.service;

import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.common.messages.TaskEvent;
import dev.quantforge.common.messages.TaskMessage;
import dev.quantforge.worker.testing.TestBed;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two workers in one consumer group share the tasks of a job. */
class TwoWorkersTest {
    static TestBed bed;

    @BeforeAll
    static void start() {
        bed = new TestBed();
    }

    @AfterAll
    static void stop() {
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void twoWorkersShareASixTaskJob() {
        String source = bed.uploadDir(WorkerTasksTest.STORIES, bed.run + "/models/stories260K");
        Worker a = bed.startWorker("a", Map.of("qf.worker.engine-threads", "1"));
        Worker b = bed.startWorker("b", Map.of("qf.worker.engine-threads", "1"));
        awaitBalanced(a, b);

        UUID job = UUID.randomUUID();
        List<TaskMessage> tasks = new ArrayList<>();
        for (String ftype : List.of("Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K_M")) {
            tasks.add(bed.task(job, "stories260K", source, SourceFormat.HF, Recipe.gguf(ftype)));
        }
        // every partition gets tasks, so each worker has some whichever partitions it holds
        for (int i = 0; i < tasks.size(); i++) {
            bed.publish(tasks.get(i), i % TestBed.TASK_PARTITIONS);
        }

        Set<String> workers = new HashSet<>();
        Set<String> manifests = new HashSet<>();
        for (TaskMessage task : tasks) {
            List<TaskEvent> events = bed.awaitEnd(task.taskId(), Duration.ofSeconds(90));
            TaskEvent end = WorkerTasksTest.last(events);
            assertEquals(TaskEvent.Type.SUCCEEDED, end.type(), () -> task.variant() + ": " + end);
            assertEquals(1, events.stream().filter(e -> e.type() == TaskEvent.Type.STARTED).count(),
                    () -> task.variant() + " was delivered once: " + events);
            workers.add(end.worker());
            manifests.add(end.result().manifestUri());
        }
        assertEquals(Set.of("a", "b"), workers, "both workers did work");
        assertEquals(6, manifests.size(), "six variants under six prefixes");
    }

    private static void awaitBalanced(Worker a, Worker b) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!(a.assignedPartitions() > 0 && b.assignedPartitions() > 0
                && a.assignedPartitions() + b.assignedPartitions() == TestBed.TASK_PARTITIONS)) {
            assertTrue(System.nanoTime() < deadline, "the group did not settle: " + a.assignedPartitions() + " + "
                    + b.assignedPartitions() + " partitions");
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
