package dev.quantforge.worker.tasks;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.common.messages.TaskEvent;
import dev.quantforge.common.messages.TaskMessage;
import dev.quantforge.engine.quantize.QuantizeProgress;
import dev.quantforge.engine.variant.BuiltVariant;
import dev.quantforge.worker.bench.BenchmarkStage;
import dev.quantforge.worker.bench.EvaluationText;
import dev.quantforge.worker.build.VariantBuilder;
import dev.quantforge.worker.cancel.CancelledJobs;
import dev.quantforge.worker.download.DownloadedSource;
import dev.quantforge.worker.download.SourceDownloader;
import dev.quantforge.worker.events.EventPublisher;
import dev.quantforge.worker.publish.Publisher;
import dev.quantforge.worker.publish.RegistryPusher;
import dev.quantforge.worker.storage.StorageException;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Does one task as a sequence of stages, each one class: download the source into a scratch directory of
 * its own ({@link SourceDownloader}), build the variant through the engine's door ({@link VariantBuilder}),
 * benchmark it ({@link BenchmarkStage}), judge it by the task's quality gates ({@link Verdict}) and publish it
 * ({@link Publisher}). STARTED and PROGRESS events are sent from here; the terminal event is returned for the
 * caller to send before it commits the task's offset.
 *
 * <p>Redelivery is cheap: the keys are the task's own, and a complete manifest of the same task is
 * reported as the result without building again.
 */
public final class TaskProcessor {
    private static final Logger LOG = Logger.getLogger(TaskProcessor.class);
    private static final int MAX_REASON_LENGTH = 500;

    private final SourceDownloader downloader;
    private final VariantBuilder builder;
    private final BenchmarkStage benchmarks;
    private final Publisher publisher;
    private final RegistryPusher pusher;
    private final EventPublisher events;
    private final CancelledJobs cancelled;
    private final Path scratchRoot;
    private final String workerId;
    private final int progressStep;
    private final Duration progressInterval;
    private final Clock clock;

    public TaskProcessor(SourceDownloader downloader, VariantBuilder builder, BenchmarkStage benchmarks, Publisher publisher,
                         RegistryPusher pusher, EventPublisher events, CancelledJobs cancelled, Path scratchRoot, String workerId,
                         int progressStep, Duration progressInterval, Clock clock) {
        this.pusher = pusher;
        this.downloader = downloader;
        this.builder = builder;
        this.benchmarks = benchmarks;
        this.publisher = publisher;
        this.events = events;
        this.cancelled = cancelled;
        this.scratchRoot = scratchRoot;
        this.workerId = workerId;
        this.progressStep = progressStep;
        this.progressInterval = progressInterval;
        this.clock = clock;
    }

    /**
     * Runs the task and returns its terminal event, not yet sent: SUCCEEDED, REJECTED, FAILED or CANCELLED.
     *
     * @param stopping true once the worker shuts down; the task then stops like a cancelled one but
     *                 ends in {@link TaskAbandonedException}, so that another worker does it again
     */
    public TaskEvent process(TaskMessage task, BooleanSupplier stopping) {
        long began = System.nanoTime();
        if (cancelled.isCancelled(task.jobId())) {
            return cancelled(task, "job " + task.jobId() + " was cancelled before this task started");
        }
        BooleanSupplier stop = () -> stopping.getAsBoolean() || cancelled.isCancelled(task.jobId());
        Path dir = null;
        try {
            dir = scratchRoot.resolve(task.taskId() + "-" + UUID.randomUUID().toString().substring(0, 8));
            Optional<Publisher.Published> done = publisher.existing(task);
            if (done.isPresent()) {
                // published by an earlier run, which reported it started; a push that failed then is done now
                List<String> pushed = pusher.push(task, done.get(), null, dir.resolve("push"));
                return end(task, done.get(), pushed);
            }
            sendStarted(task);
            Files.createDirectories(dir);
            return new Run(task, dir, stop).execute(began);
        } catch (CancellationException e) {
            if (stopping.getAsBoolean()) {
                throw new TaskAbandonedException("worker stopping; task " + task.taskId() + " left for another worker");
            }
            return cancelled(task, "job " + task.jobId() + " was cancelled");
        } catch (InvalidInputException | StorageException e) {
            return failed(task, reason(e.getMessage(), task, dir));
        } catch (IOException | UncheckedIOException e) {
            LOG.errorf(e, "task %s: local disk trouble", task.taskId());
            return failed(task, reason("worker disk: " + e.getMessage(), task, dir));
        } catch (RuntimeException e) {
            LOG.errorf(e, "task %s failed unexpectedly", task.taskId());
            return failed(task, reason("internal error: " + e, task, dir));
        } catch (OutOfMemoryError e) {
            // it would run out again on redelivery: report it rather than loop
            LOG.errorf(e, "task %s ran out of memory", task.taskId());
            return failed(task, "worker ran out of memory building this variant (" + e.getMessage()
                    + "); give workers more heap or fewer concurrent tasks");
        } finally {
            if (dir != null && Files.exists(dir)) {
                deleteTree(dir);
            }
        }
    }

    private void sendStarted(TaskMessage task) {
        try {
            events.send(TaskEvent.started(task, workerId, clock.instant()));
        } catch (EventPublisher.EventNotSentException e) {
            // the task can still succeed; its terminal event is what counts
            LOG.warn(e.getMessage());
        }
    }

    /** One run of a task, with the state its stages share. */
    private final class Run {
        private final TaskMessage task;
        private final Path dir;
        private final BooleanSupplier stop;
        private final ProgressReporter progress;

        Run(TaskMessage task, Path dir, BooleanSupplier stop) {
            this.task = task;
            this.dir = dir;
            this.stop = stop;
            this.progress = new ProgressReporter(p -> events.sendQuietly(TaskEvent.progress(task, workerId, clock.instant(), p)),
                    progressStep, progressInterval, System::nanoTime);
        }

        /** Ends SUCCEEDED, or REJECTED when the variant misses a quality gate. */
        TaskEvent execute(long began) throws IOException {
            // a job's own evaluation text first: when it is missing, nothing else is worth doing
            EvaluationText text = benchmarks.appliesTo(task) ? benchmarks.text(task) : null;
            long t0 = System.nanoTime();
            DownloadedSource source = downloader.download(task, dir.resolve("source"),
                    (done, total) -> progress.update(ProgressReporter.Phase.DOWNLOAD, done, total), this::checkStop);
            long downloadMillis = (System.nanoTime() - t0) / 1_000_000;
            checkStop();

            BuiltVariant built = builder.build(task, source.local(), Files.createDirectories(dir.resolve("out")),
                    buildProgress(), stop);
            checkStop();

            Path file = built.written().output();
            BenchmarkStage.Outcome bench = text == null ? null : benchmarks.run(source, text, file,
                    file.getFileName().toString(), dir,
                    f -> progress.update(ProgressReporter.Phase.BENCHMARK, Math.round(f * 1000), 1000), stop);
            checkStop();

            Verdict verdict = Verdict.of(task.gates(), bench);
            Publisher.Published published = publisher.publish(task,
                    new Publisher.Variant(built, bench, verdict.failures(), downloadMillis, source.lineage()),
                    (done, total) -> progress.update(ProgressReporter.Phase.UPLOAD, done, total), this::checkStop, began);
            List<String> pushed = pusher.push(task, published, file, dir.resolve("push"));
            return end(task, published, pushed);
        }

        private QuantizeProgress buildProgress() {
            return new QuantizeProgress() {
                @Override
                public void bytesProcessed(long done, long total) {
                    progress.update(ProgressReporter.Phase.BUILD, done, total);
                }
            };
        }

        private void checkStop() {
            if (stop.getAsBoolean()) {
                throw new CancellationException("task " + task.taskId() + " stopped");
            }
        }
    }

    /** @param pushed the references the variant was pushed to; they travel in the event, not in the manifest */
    private TaskEvent end(TaskMessage task, Publisher.Published published, List<String> pushed) {
        if (!published.rejected()) {
            return TaskEvent.succeeded(task, workerId, clock.instant(), published.result().withOciReferences(pushed));
        }
        LOG.infof("task %s rejected: %s", task.taskId(), published.rejection());
        return TaskEvent.rejected(task, workerId, clock.instant(), published.rejection(), published.result());
    }

    private TaskEvent failed(TaskMessage task, String reason) {
        LOG.warnf("task %s failed: %s", task.taskId(), reason);
        return TaskEvent.failed(task, workerId, clock.instant(), reason);
    }

    private TaskEvent cancelled(TaskMessage task, String reason) {
        LOG.infof("task %s cancelled: %s", task.taskId(), reason);
        return TaskEvent.cancelled(task, workerId, clock.instant(), reason);
    }

    /**
     * One readable line: the first line of the message, with the scratch directory replaced by the S3
     * location the user knows, so that a corrupt source names the object rather than a local path.
     */
    static String reason(String message, TaskMessage task, Path scratch) {
        String line = message == null ? "unknown error" : message.lines().findFirst().orElse("unknown error").strip();
        if (scratch != null) {
            Path local = scratch.resolve("source");
            String sourceUri = task.source();
            String prefix = sourceUri.endsWith("/") ? sourceUri : sourceUri + "/";
            if (task.sourceFormat() != SourceFormat.HF) {
                String file = sourceUri.substring(sourceUri.lastIndexOf('/') + 1);
                line = line.replace(local.resolve(file).toString(), sourceUri);
            }
            line = line.replace(local + "/", prefix).replace(local.toString(), sourceUri).replace(scratch.toString(), "<scratch>");
        }
        return line.length() <= MAX_REASON_LENGTH ? line : line.substring(0, MAX_REASON_LENGTH - 1) + "…";
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    LOG.warnf("cannot delete %s: %s", p, e.getMessage());
                }
            });
        } catch (IOException e) {
            LOG.warnf("cannot clean %s: %s", dir, e.getMessage());
        }
    }
}
