package dev.quantforge.worker.tasks;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.common.jobs.S3Uri;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.common.messages.TaskEvent;
import dev.quantforge.common.messages.TaskEvent.StoredFile;
import dev.quantforge.common.messages.TaskEvent.VariantResult;
import dev.quantforge.common.messages.TaskMessage;
import dev.quantforge.engine.EngineVersion;
import dev.quantforge.engine.quantize.QuantizeProgress;
import dev.quantforge.worker.build.BuiltVariant;
import dev.quantforge.worker.cancel.CancelledJobs;
import dev.quantforge.worker.build.VariantBuilder;
import dev.quantforge.worker.events.EventPublisher;
import dev.quantforge.worker.messages.MessageCodec;
import dev.quantforge.worker.publish.Manifest;
import dev.quantforge.worker.publish.ModelCard;
import dev.quantforge.worker.publish.Sha256;
import dev.quantforge.worker.storage.ObjectStore;
import dev.quantforge.worker.storage.StorageException;
import dev.quantforge.worker.storage.StoredObject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Does one task: downloads the source into a scratch directory of its own, builds the variant with the
 * engine, uploads the model file, its card ({@code README.md}) and last its manifest to the task's results
 * prefix, and says how it went. STARTED and PROGRESS events are sent from here; the terminal event is
 * returned for the caller to send before it commits the task's offset.
 *
 * <p>Redelivery is cheap: the keys are the task's own, and a complete manifest of the same task at the
 * results prefix is reported as the result without building again.
 */
public final class TaskProcessor {
    private static final Logger LOG = Logger.getLogger(TaskProcessor.class);
    private static final String CARD_FILE = "README.md";
    private static final Pattern UNSAFE_NAME_CHARS = Pattern.compile("[^A-Za-z0-9._-]+");
    private static final int MAX_REASON_LENGTH = 500;

    private final ObjectStore store;
    private final VariantBuilder builder;
    private final EventPublisher events;
    private final CancelledJobs cancelled;
    private final Path scratchRoot;
    private final String workerId;
    private final int progressStep;
    private final Duration progressInterval;
    private final Clock clock = Clock.systemUTC();

    public TaskProcessor(ObjectStore store, VariantBuilder builder, EventPublisher events, CancelledJobs cancelled,
                         Path scratchRoot, String workerId, int progressStep, Duration progressInterval) {
        this.store = store;
        this.builder = builder;
        this.events = events;
        this.cancelled = cancelled;
        this.scratchRoot = scratchRoot;
        this.workerId = workerId;
        this.progressStep = progressStep;
        this.progressInterval = progressInterval;
    }

    /**
     * Runs the task and returns its terminal event, not yet sent: SUCCEEDED, FAILED or CANCELLED.
     *
     * @param stopping true once the worker shuts down; the task then stops like a cancelled one but
     *                 ends in {@link TaskAbandonedException}, so that another worker does it again
     */
    public TaskEvent process(TaskMessage task, BooleanSupplier stopping) {
        long began = System.nanoTime();
        EventFactory event = new EventFactory(task);
        if (cancelled.isCancelled(task.jobId())) {
            return event.cancelled("job " + task.jobId() + " was cancelled before this task started");
        }
        sendStarted(event);
        BooleanSupplier stop = () -> stopping.getAsBoolean() || cancelled.isCancelled(task.jobId());
        Path dir = null;
        try {
            S3Uri results = S3Uri.parse(task.resultsPrefix());
            Optional<VariantResult> done = existingResult(task, results);
            if (done.isPresent()) {
                LOG.infof("task %s: a complete manifest is already at %s; reporting it", task.taskId(), results);
                return event.succeeded(done.get());
            }
            dir = Files.createDirectories(scratchRoot).resolve(task.taskId() + "-" + UUID.randomUUID().toString().substring(0, 8));
            Files.createDirectories(dir);
            Run run = new Run(task, results, dir, event, stop);
            return event.succeeded(run.execute(began));
        } catch (CancellationException e) {
            if (stopping.getAsBoolean()) {
                throw new TaskAbandonedException("worker stopping; task " + task.taskId() + " left for another worker");
            }
            return event.cancelled("job " + task.jobId() + " was cancelled");
        } catch (InvalidInputException | StorageException e) {
            return event.failed(reason(e.getMessage(), task, dir));
        } catch (IOException | UncheckedIOException e) {
            LOG.errorf(e, "task %s: local disk trouble", task.taskId());
            return event.failed(reason("worker disk: " + e.getMessage(), task, dir));
        } catch (RuntimeException e) {
            LOG.errorf(e, "task %s failed unexpectedly", task.taskId());
            return event.failed(reason("internal error: " + e, task, dir));
        } catch (OutOfMemoryError e) {
            // it would run out again on redelivery: report it rather than loop
            LOG.errorf(e, "task %s ran out of memory", task.taskId());
            return event.failed("worker ran out of memory building this variant (" + e.getMessage()
                    + "); give workers more heap or fewer concurrent tasks");
        } finally {
            if (dir != null) {
                deleteTree(dir);
            }
        }
    }

    private void sendStarted(EventFactory event) {
        try {
            events.send(event.of(TaskEvent.Type.STARTED, 0));
        } catch (EventPublisher.EventNotSentException e) {
            // the task can still succeed; its terminal event is what counts
            LOG.warn(e.getMessage());
        }
    }

    /** One run of a task, with the state its phases share. */
    private final class Run {
        private final TaskMessage task;
        private final S3Uri results;
        private final Path dir;
        private final EventFactory event;
        private final BooleanSupplier stop;
        private final ProgressReporter progress;

        Run(TaskMessage task, S3Uri results, Path dir, EventFactory event, BooleanSupplier stop) {
            this.task = task;
            this.results = results;
            this.dir = dir;
            this.event = event;
            this.stop = stop;
            this.progress = new ProgressReporter(p -> events.sendQuietly(event.of(TaskEvent.Type.PROGRESS, p)),
                    progressStep, progressInterval, System::nanoTime);
        }

        VariantResult execute(long began) throws IOException {
            long t0 = System.nanoTime();
            Path source = download();
            long downloadMillis = millisSince(t0);
            checkStop();

            String modelFile = fileName(task) + ".gguf";
            Path out = Files.createDirectories(dir.resolve("out")).resolve(modelFile);
            BuiltVariant built = builder.build(task.sourceFormat(), source, task.recipe(), out, buildProgress(), stop);
            checkStop();

            long t1 = System.nanoTime();
            String modelSha = Sha256.of(built.file());
            S3Uri modelUri = results.resolve(modelFile);
            List<Manifest.FileEntry> files = new ArrayList<>();
            files.add(new Manifest.FileEntry(modelFile, modelUri.toString(), built.fileBytes(), modelSha));
            Manifest draft = manifest(modelFile, files, built, downloadMillis, 0, began);
            byte[] card = ModelCard.render(draft).getBytes(StandardCharsets.UTF_8);
            S3Uri cardUri = results.resolve(CARD_FILE);
            files.add(new Manifest.FileEntry(CARD_FILE, cardUri.toString(), card.length, Sha256.of(card)));

            store.ensureBucket(results.bucket());
            long total = built.fileBytes() + card.length;
            progress.update(ProgressReporter.Phase.UPLOAD, 0, total);
            store.upload(built.file(), modelUri, "application/octet-stream");
            progress.update(ProgressReporter.Phase.UPLOAD, built.fileBytes(), total);
            store.put(card, cardUri, "text/markdown; charset=utf-8");
            checkStop();

            Manifest manifest = manifest(modelFile, files, built, downloadMillis, millisSince(t1), began);
            byte[] manifestBytes = json(manifest);
            S3Uri manifestUri = results.resolve(Manifest.FILE_NAME);
            // last: its presence tells every reader that the files it lists are all there
            store.put(manifestBytes, manifestUri, "application/json");
            LOG.infof("task %s: %s built and uploaded in %d ms (%s, %.3f bpw)", task.taskId(), modelUri, millisSince(began),
                    built.plan().fileType(), built.plan().bitsPerWeight());
            return result(manifest, manifestUri, manifestBytes);
        }

        /** Downloads the source: every object right under an HF prefix, or the one GGUF object. */
        private Path download() throws IOException {
            S3Uri uri = S3Uri.parse(task.source());
            Path local = Files.createDirectories(dir.resolve("source"));
            List<StoredObject> objects;
            if (task.sourceFormat() == SourceFormat.HF) {
                objects = store.list(uri);
                if (objects.isEmpty()) {
                    throw new InvalidInputException(uri + ": no objects under this prefix; expected a Hugging Face checkpoint "
                            + "(config.json, tokenizer, *.safetensors)");
                }
            } else {
                long size = store.size(uri).orElseThrow(() -> new InvalidInputException(uri + ": no such object"));
                objects = List.of(new StoredObject(uri, size));
            }
            long total = objects.stream().mapToLong(StoredObject::bytes).sum();
            long[] done = {0};
            LongConsumer transferred = n -> {
                done[0] += n;
                progress.update(ProgressReporter.Phase.DOWNLOAD, done[0], total);
                checkStop();
            };
            for (StoredObject object : objects) {
                checkStop();
                store.download(object.uri(), local.resolve(object.fileName()), transferred);
            }
            return task.sourceFormat() == SourceFormat.HF ? local : local.resolve(objects.get(0).fileName());
        }

        private QuantizeProgress buildProgress() {
            return new QuantizeProgress() {
                @Override
                public void bytesProcessed(long done, long total) {
                    progress.update(ProgressReporter.Phase.BUILD, done, total);
                }
            };
        }

        private Manifest manifest(String modelFile, List<Manifest.FileEntry> files, BuiltVariant built, long downloadMillis,
                                  long uploadMillis, long began) {
            return new Manifest(Manifest.VERSION, task.taskId(), task.jobId(), modelName(task), variant(task),
                    new Manifest.Source(task.source(), task.sourceFormat()), task.recipe(), task.profile(),
                    EngineVersion.get(), workerId, clock.instant(), modelFile, files, built.plan(),
                    new Manifest.Timings(downloadMillis, built.convertMillis(), built.quantizeMillis(), uploadMillis,
                            millisSince(began)));
        }

        private void checkStop() {
            if (stop.getAsBoolean()) {
                throw new CancellationException("task " + task.taskId() + " stopped");
            }
        }
    }

    /** The result of an earlier run of this very task, if it finished: its manifest and every file it lists. */
    private Optional<VariantResult> existingResult(TaskMessage task, S3Uri results) {
        S3Uri manifestUri = results.resolve(Manifest.FILE_NAME);
        Optional<byte[]> bytes = store.read(manifestUri);
        if (bytes.isEmpty()) {
            return Optional.empty();
        }
        Manifest manifest;
        try {
            manifest = MessageCodec.json().readValue(bytes.get(), Manifest.class);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("task %s: unreadable manifest at %s (%s); building again", task.taskId(), manifestUri, e.getMessage());
            return Optional.empty();
        }
        if (!task.taskId().equals(manifest.taskId())) {
            LOG.infof("task %s: the manifest at %s is task %s's; building again", task.taskId(), manifestUri, manifest.taskId());
            return Optional.empty();
        }
        for (Manifest.FileEntry file : manifest.files()) {
            if (!store.size(S3Uri.parse(file.uri())).equals(Optional.of(file.bytes()))) {
                LOG.warnf("task %s: %s is missing or not %d bytes; building again", task.taskId(), file.uri(), file.bytes());
                return Optional.empty();
            }
        }
        return Optional.of(result(manifest, manifestUri, bytes.get()));
    }

    private static VariantResult result(Manifest manifest, S3Uri manifestUri, byte[] manifestBytes) {
        List<StoredFile> files = new ArrayList<>();
        manifest.files().forEach(f -> files.add(new StoredFile(f.uri(), f.bytes(), f.sha256())));
        files.add(new StoredFile(manifestUri.toString(), manifestBytes.length, Sha256.of(manifestBytes)));
        Manifest.Timings t = manifest.timings();
        return new VariantResult(manifestUri.toString(), files, manifest.model().bytes(), manifest.plan().bitsPerWeight(),
                manifest.plan().parameters(), t.convertMillis(), t.quantizeMillis(), 0, t.totalMillis(), null);
    }

    private static byte[] json(Manifest manifest) {
        try {
            return MessageCodec.json().writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("manifest of task " + manifest.taskId() + " cannot be written as JSON", e);
        }
    }

    /** {@code <model>-<variant>}, safe as a file name and an S3 key. */
    static String fileName(TaskMessage task) {
        return UNSAFE_NAME_CHARS.matcher(modelName(task) + "-" + variant(task)).replaceAll("_");
    }

    private static String modelName(TaskMessage task) {
        if (task.modelName() != null && !task.modelName().isBlank()) {
            return task.modelName();
        }
        String last = S3Uri.parse(task.source()).lastName();
        return last.endsWith(".gguf") ? last.substring(0, last.length() - ".gguf".length()) : last;
    }

    private static String variant(TaskMessage task) {
        return task.variant() != null && !task.variant().isBlank() ? task.variant() : task.recipe().variantName();
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
            if (task.sourceFormat() == SourceFormat.GGUF) {
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

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    /** Events of one task, each with a fresh id. */
    private final class EventFactory {
        private final TaskMessage task;

        EventFactory(TaskMessage task) {
            this.task = task;
        }

        TaskEvent of(TaskEvent.Type type, int progress) {
            return new TaskEvent(UUID.randomUUID(), task.taskId(), task.jobId(), type, clock.instant(), workerId, progress, null, null);
        }

        TaskEvent succeeded(VariantResult result) {
            return new TaskEvent(UUID.randomUUID(), task.taskId(), task.jobId(), TaskEvent.Type.SUCCEEDED, clock.instant(), workerId,
                    100, null, result);
        }

        TaskEvent failed(String reason) {
            LOG.warnf("task %s failed: %s", task.taskId(), reason);
            return new TaskEvent(UUID.randomUUID(), task.taskId(), task.jobId(), TaskEvent.Type.FAILED, clock.instant(), workerId,
                    0, reason, null);
        }

        TaskEvent cancelled(String reason) {
            LOG.infof("task %s cancelled: %s", task.taskId(), reason);
            return new TaskEvent(UUID.randomUUID(), task.taskId(), task.jobId(), TaskEvent.Type.CANCELLED, clock.instant(), workerId,
                    0, reason, null);
        }
    }
}
