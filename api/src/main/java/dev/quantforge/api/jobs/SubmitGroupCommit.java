package dev.quantforge.api.jobs;

import dev.quantforge.api.catalog.CatalogEvents;
import dev.quantforge.api.events.JobChange;
import dev.quantforge.api.events.JobChanges;
import dev.quantforge.api.outbox.Outbox;
import dev.quantforge.api.outbox.OutboxRecord;
import dev.quantforge.api.problems.DatabaseOutage;
import dev.quantforge.api.registries.CatalogAnnouncement;
import dev.quantforge.api.transactions.DatabaseWriteException;
import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Group commit for submits: concurrent submits are queued and one thread writes what is waiting as one transaction
 * (up to {@code qf.submit.batch-size}), with one statement per table for the whole batch. Each caller waits until
 * its batch committed, then gets what a transaction of its own would have given it. The commit, the statements'
 * round trips and the transaction's bookkeeping are paid once per batch instead of once per submit.
 *
 * <p>A submit that fails must not fail its batch-mates: an Idempotency-Key already claimed is part of the normal
 * outcome (the submit is answered with the earlier job, the others are written); any other failure rolls the batch
 * back and its submits are written again one by one, so only the failing one fails. A database outage fails the
 * whole batch at once, each caller answered 503.
 */
@ApplicationScoped
public class SubmitGroupCommit {

    private static final Logger LOG = Logger.getLogger(SubmitGroupCommit.class);

    private record Pending(PreparedJob job, CompletableFuture<JobSubmitter.Outcome> outcome) {
    }

    private final SubmitConfig config;
    private final AgroalDataSource database;
    private final JobRows rows;
    private final Outbox outbox;
    private final CatalogEvents catalogEvents;
    private final JobChanges changes;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private volatile boolean stopping;

    public SubmitGroupCommit(SubmitConfig config, AgroalDataSource database, JobRows rows, Outbox outbox,
            CatalogEvents catalogEvents, JobChanges changes) {
        if (config.batchSize() < 1) {
            throw new IllegalArgumentException("qf.submit.batch-size must be at least 1, not " + config.batchSize());
        }
        this.config = config;
        this.database = database;
        this.rows = rows;
        this.outbox = outbox;
        this.catalogEvents = catalogEvents;
        this.changes = changes;
        this.writer = new Thread(this::writeBatches, "submit-writer");
        writer.setDaemon(true);
        writer.start();
    }

    /** Writes {@code job} with whatever else is waiting; returns once its transaction committed. */
    JobSubmitter.Outcome write(PreparedJob job) {
        if (stopping) {
            throw new IllegalStateException("the API is shutting down");
        }
        CompletableFuture<JobSubmitter.Outcome> outcome = new CompletableFuture<>();
        queue.add(new Pending(job, outcome));
        if (!writer.isAlive()) {
            failWaiting();  // stopped between the check above and the add
        }
        try {
            return outcome.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the submit's commit", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Submits waiting for the writer (not those in the batch it is writing). */
    int waiting() {
        return queue.size();
    }

    private void writeBatches() {
        List<Pending> batch = new ArrayList<>(config.batchSize());
        while (true) {
            Pending first;
            try {
                // polled, not taken: stop() need not interrupt a thread that may be talking to the database
                first = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                break;
            }
            if (first == null) {
                if (stopping) {
                    break;
                }
                continue;
            }
            batch.add(first);
            // what arrived while the previous batch was being written; no waiting for more
            queue.drainTo(batch, config.batchSize() - 1);
            try {
                write(batch);
            } catch (RuntimeException e) {
                // write(...) completes every future; this is a bug in it, and no caller may wait forever
                LOG.error("submit batch failed", e);
                batch.forEach(p -> p.outcome().completeExceptionally(e));
            }
            batch.clear();
        }
        failWaiting();
    }

    private void failWaiting() {
        for (Pending pending; (pending = queue.poll()) != null; ) {
            pending.outcome().completeExceptionally(new CancellationException("the API is shutting down"));
        }
    }

    private void write(List<Pending> batch) {
        Map<Pending, JobSubmitter.Outcome> outcomes;
        try {
            outcomes = QuarkusTransaction.requiringNew().call(() -> store(batch));
        } catch (RuntimeException e) {
            if (batch.size() == 1 || DatabaseOutage.isCause(e)) {
                batch.forEach(p -> p.outcome().completeExceptionally(e));
                return;
            }
            LOG.debugf("a batch of %d submits failed (%s); writing them one by one", batch.size(), e.getMessage());
            for (Pending pending : batch) {
                write(List.of(pending));
            }
            return;
        }
        outcomes.forEach((pending, outcome) -> pending.outcome().complete(outcome));
    }

    /** In the batch's transaction: the claims, then every table once for the jobs that were not claimed already. */
    private Map<Pending, JobSubmitter.Outcome> store(List<Pending> batch) {
        Map<Pending, JobSubmitter.Outcome> outcomes = new IdentityHashMap<>();
        List<PreparedJob> created = new ArrayList<>(batch.size());
        // inside the transaction the pool hands out the one connection enlisted in it, to every statement below
        try (Connection connection = database.getConnection()) {
            for (Pending pending : batch) {
                PreparedJob job = pending.job();
                Optional<IdempotencyKeys.Claim> earlier = Optional.empty();
                if (job.idempotent().isPresent()) {
                    JobSubmitter.IdempotentRequest request = job.idempotent().get();
                    earlier = rows.claim(connection, job.job().tenant, request.key(), request.fingerprint(),
                            job.job().id);
                }
                if (earlier.isPresent()) {
                    outcomes.put(pending, new JobSubmitter.AlreadyClaimed(earlier.get()));
                } else {
                    outcomes.put(pending, new JobSubmitter.Created(JobView.of(job.job(), job.tasks(),
                            job.job().createdAt)));
                    created.add(job);
                }
            }
            rows.insert(connection, created);
        } catch (SQLException e) {
            throw new DatabaseWriteException("store submitted jobs", e);
        }
        List<OutboxRecord> messages = new ArrayList<>();
        List<CatalogAnnouncement> announcements = new ArrayList<>(created.size());
        List<JobChange> jobChanges = new ArrayList<>(created.size());
        for (PreparedJob job : created) {
            messages.addAll(job.taskMessages());
            announcements.add(job.submitted());
            // for the stream of every job's changes (the dashboard's job list)
            jobChanges.add(new JobChange(job.job().id, null, JobChange.SUBMITTED));
        }
        outbox.addAll(messages);
        catalogEvents.announceAll(announcements);
        changes.announceAll(jobChanges);
        return outcomes;
    }

    @PreDestroy
    void stop() throws InterruptedException {
        stopping = true;
        writer.join(30_000);
    }
}
