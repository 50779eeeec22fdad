package dev.quantforge.api.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quantforge.api.support.Eventually;
import dev.quantforge.api.support.LocalStackResource;
import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.common.jobs.S3Uri;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.common.quality.QualityGates;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Group commit: submits that wait together are written in one transaction, and one that cannot be written (its
 * Idempotency-Key taken, a constraint broken) does not fail the others. To have a known set of submits wait
 * together, the test holds the writer on a row lock (an uncommitted claim of an Idempotency-Key that the first submit
 * claims too), queues the others, then lets go.
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
class SubmitGroupCommitTest {

    private static final String TENANT = "default";
    private static final Recipe Q4 = Recipe.gguf("Q4_K_M");
    private static final Recipe Q8 = Recipe.gguf("Q8_0");

    @Inject
    JobSubmitter submitter;

    @Inject
    SubmitGroupCommit groupCommit;

    @Inject
    AgroalDataSource database;

    private final ExecutorService callers = Executors.newFixedThreadPool(16);

    @AfterEach
    void stopCallers() {
        callers.shutdownNow();
    }

    @Test
    void waitingSubmitsCommitTogetherAndAKeyClaimedAlreadyFailsNoneOfTheOthers() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String sharedKey = "group-" + run;
        List<Future<JobSubmitter.Outcome>> plain = new ArrayList<>();
        List<Future<JobSubmitter.Outcome>> keyed = new ArrayList<>();
        Future<JobSubmitter.Outcome> first = whileWriterIsHeld(run, () -> {
            for (int i = 0; i < 8; i++) {
                plain.add(submit(submission("group-" + run + "-" + i, Q4, Q8), Optional.empty()));
            }
            keyed.add(submit(submission("group-" + run + "-a", Q4), key(sharedKey, "same")));
            keyed.add(submit(submission("group-" + run + "-b", Q4), key(sharedKey, "same")));
            keyed.add(submit(submission("group-" + run + "-c", Q8), key(sharedKey, "different")));
            return 11;
        });

        assertInstanceOf(JobSubmitter.Created.class, first.get(30, TimeUnit.SECONDS));
        List<UUID> batch = new ArrayList<>();
        for (Future<JobSubmitter.Outcome> outcome : plain) {
            batch.add(created(outcome.get(30, TimeUnit.SECONDS)).id());
        }
        List<JobSubmitter.Outcome> keyedOutcomes = new ArrayList<>();
        for (Future<JobSubmitter.Outcome> outcome : keyed) {
            keyedOutcomes.add(outcome.get(30, TimeUnit.SECONDS));
        }
        List<JobView> keyCreated = keyedOutcomes.stream().filter(JobSubmitter.Created.class::isInstance)
                .map(o -> ((JobSubmitter.Created) o).job()).toList();
        assertEquals(1, keyCreated.size(), "of three submits with one key, one creates a job: " + keyedOutcomes);
        UUID keyJob = keyCreated.get(0).id();
        for (JobSubmitter.Outcome outcome : keyedOutcomes) {
            if (outcome instanceof JobSubmitter.AlreadyClaimed claimed) {
                assertEquals(keyJob, claimed.claim().jobId(), "the others are told the job the key created");
            }
        }
        batch.add(keyJob);

        assertEquals(1, count("select count(distinct xmin::text) from jobs where id = any(?)", batch),
                "the submits that waited together were committed in one transaction");
        for (UUID job : batch) {
            assertWrittenOnce(job, job.equals(keyJob) ? 1 : 2);
        }
        assertEquals(1, count("select count(*) from idempotency_keys where key = ? and job_id = ?", sharedKey, keyJob));
        assertEquals(1, count("select count(*) from jobs where model_name in (?, ?, ?)", "group-" + run + "-a",
                "group-" + run + "-b", "group-" + run + "-c"), "no job for the submits that found the key claimed");
    }

    @Test
    void aSubmitThatBreaksAConstraintFailsAloneWhileItsBatchMatesAreWritten() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<Future<JobSubmitter.Outcome>> good = new ArrayList<>();
        List<Future<JobSubmitter.Outcome>> bad = new ArrayList<>();
        Future<JobSubmitter.Outcome> first = whileWriterIsHeld(run, () -> {
            for (int i = 0; i < 3; i++) {
                good.add(submit(submission("broken-" + run + "-" + i, Q4), Optional.empty()));
            }
            // two targets building the same variant break tasks' unique (job_id, variant)
            bad.add(submit(submission("broken-" + run + "-twice", Q4, Q4), Optional.empty()));
            for (int i = 3; i < 6; i++) {
                good.add(submit(submission("broken-" + run + "-" + i, Q4), Optional.empty()));
            }
            return 7;
        });

        assertInstanceOf(JobSubmitter.Created.class, first.get(30, TimeUnit.SECONDS));
        ExecutionException failure = assertThrows(ExecutionException.class, () -> bad.get(0).get(30, TimeUnit.SECONDS));
        assertTrue(String.valueOf(failure.getCause().getMessage()).contains("tasks_job_id_variant_key"),
                "the failing submit is told its own error: " + failure.getCause());
        for (Future<JobSubmitter.Outcome> outcome : good) {
            assertWrittenOnce(created(outcome.get(30, TimeUnit.SECONDS)).id(), 1);
        }
        assertEquals(0, count("select count(*) from jobs where model_name = ?", "broken-" + run + "-twice"));
        assertEquals(0, count("select count(*) from outbox where payload like ?", "%broken-" + run + "-twice%"));
    }

    /**
     * Starts a submit whose Idempotency-Key the test has claimed in a transaction of its own, so the writer waits
     * on that row lock; queues {@code others} meanwhile; then rolls the test's claim back, and the writer goes on
     * with the first submit alone and then with all the others in one batch.
     */
    private Future<JobSubmitter.Outcome> whileWriterIsHeld(String run, Queuer others) throws Exception {
        String heldKey = "held-" + run;
        try (Connection held = database.getConnection()) {
            held.setAutoCommit(false);
            try (PreparedStatement claim = held.prepareStatement("insert into idempotency_keys"
                    + " (tenant, key, request_fingerprint, job_id) values (?, ?, 'test', ?)")) {
                claim.setString(1, TENANT);
                claim.setString(2, heldKey);
                claim.setObject(3, UUID.randomUUID());
                claim.executeUpdate();
            }
            Future<JobSubmitter.Outcome> first = submit(submission("held-" + run, Q4), key(heldKey, "first"));
            Eventually.holds(() -> assertEquals(1, count("select count(*) from pg_stat_activity"
                    + " where wait_event_type = 'Lock' and query like 'insert into idempotency_keys%'")));
            int queued = others.queue();
            Eventually.holds(() -> assertEquals(queued, groupCommit.waiting(), "every other submit is waiting"));
            held.rollback();
            return first;
        }
    }

    @FunctionalInterface
    private interface Queuer {
        /** Starts submits; returns how many. */
        int queue();
    }

    private void assertWrittenOnce(UUID job, int tasks) {
        assertEquals(1, count("select count(*) from jobs where id = ?", job));
        assertEquals(tasks, count("select count(*) from tasks where job_id = ?", job));
        assertEquals(tasks, count("select count(*) from outbox o join tasks t on o.message_key = t.id::text"
                + " where t.job_id = ?", job), "one TaskMessage per task");
        assertEquals(1, count("select count(*) from outbox where content_type = 'application/cloudevents+json'"
                + " and payload like ?", "%\"type\":\"dev.quantforge.job.submitted\"%\"jobId\":\"" + job + "\"%"),
                "one job.submitted event");
    }

    private Future<JobSubmitter.Outcome> submit(JobSubmission submission, Optional<JobSubmitter.IdempotentRequest> key) {
        return callers.submit(() -> submitter.submit(submission, TENANT, key));
    }

    private static Optional<JobSubmitter.IdempotentRequest> key(String key, String fingerprint) {
        return Optional.of(new JobSubmitter.IdempotentRequest(key, fingerprint));
    }

    private static JobView created(JobSubmitter.Outcome outcome) {
        return assertInstanceOf(JobSubmitter.Created.class, outcome).job();
    }

    private static JobSubmission submission(String model, Recipe... recipes) {
        List<TargetPlan> targets = new ArrayList<>();
        for (Recipe recipe : recipes) {
            targets.add(new TargetPlan(null, recipe, QualityGates.NONE));
        }
        return new JobSubmission(S3Uri.parse("s3://models/" + model), SourceFormat.HF, model, model,
                Map.of("test", "group-commit"), targets, Optional.empty(), List.of());
    }

    private long count(String sql, Object... parameters) {
        try (Connection connection = database.getConnection();
             PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                Object parameter = parameters[i];
                if (parameter instanceof List<?> ids) {
                    statement.setArray(i + 1, connection.createArrayOf("uuid", ids.toArray()));
                } else {
                    statement.setObject(i + 1, parameter);
                }
            }
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
