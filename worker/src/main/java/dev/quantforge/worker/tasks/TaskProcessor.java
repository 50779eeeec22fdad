package dev.quantforge.worker.tasks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.common.jobs.S3Uri;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.common.messages.TaskEvent;
import dev.quantforge.common.messages.TaskEvent.StoredFile;
import dev.quantforge.common.messages.TaskEvent.VariantResult;
import dev.quantforge.common.messages.TaskMessage;
import dev.quantforge.common.quality.BenchmarkSummary;
import dev.quantforge.common.quality.GateFailure;
import dev.quantforge.engine.EngineVersion;
import dev.quantforge.engine.quantize.QuantizeProgress;
import dev.quantforge.worker.bench.BenchmarkStage;
import dev.quantforge.worker.bench.EvaluationText;
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
 * engine, benchmarks it on llama.cpp and judges it by the task's quality gates, uploads the model file, its
 * {@code benchmark.json}, its card ({@code README.md}) and last its manifest to the task's results prefix
 * (or, for a rejected variant, to {@code rejected/} beside it), and says how it went. STARTED and PROGRESS
 * events are sent from here; the terminal event is returned for the caller to send before it commits the
 * task's offset.
 *
 * <p>Redelivery is cheap: the keys are the task's own, and a complete manifest of the same task at the
 * results prefix or its rejected twin is reported as the result without building again.
 */
public final class TaskProcessor {
    private static final Logger LOG = Logger.getLogger(TaskProcessor.class);
    private static final String CARD_FILE = "README.md";
    private static final String BENCHMARK_FILE = "benchmark.json";
    private static final String REJECTED_DIR = "rejected/";
    private static final Pattern UNSAFE_NAME_CHARS = Pattern.compile("[^A-Za-z0-9._-]+");
    private static final int MAX_REASON_LENGTH = 500;

    private final ObjectStore store;
    private final VariantBuilder builder;
    private final BenchmarkStage benchmarks;
    private final EventPublisher events;
    private final CancelledJobs cancelled;
    private final Path scratchRoot;
    private final String workerId;
    private final int progressStep;
    private final Duration progressInterval;
    private final Clock clock = Clock.systemUTC();

    public TaskProcessor(ObjectStore store, VariantBuilder builder, BenchmarkStage benchmarks, EventPublisher events,
                         CancelledJobs cancelled, Path scratchRoot, String workerId, int progressStep, Duration progressInterval) {
        this.store = store;
        this.builder = builder;
        this.benchmarks = benchmarks;
        this.events = events;
        this.cancelled = cancelled;
        this.scratchRoot = scratchRoot;
        this.workerId = workerId;
        this.progressStep = progressStep;
        this.progressInterval = progressInterval;
    }

    /**
     * Runs the task and returns its terminal event, not yet sent: SUCCEEDED, REJECTED, FAILED or CANCELLED.
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
            Optional<TaskEvent> done = existingEnd(task, results, event);
            if (done.isPresent()) {
                return done.get();
            }
            dir = Files.createDirectories(scratchRoot).resolve(task.taskId() + "-" + UUID.randomUUID().toString().substring(0, 8));
            Files.createDirectories(dir);
            Run run = new Run(task, results, dir, event, stop);
            return run.execute(began);
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

        /** Ends SUCCEEDED, or REJECTED when the variant misses a quality gate. */
        TaskEvent execute(long began) throws IOException {
            // a job's own evaluation text first: when it is missing, nothing else is worth doing
            EvaluationText text = benchmarks.appliesTo(task) ? benchmarks.text(task) : null;
            long t0 = System.nanoTime();
            BenchmarkStage.Source source = download();
            long downloadMillis = millisSince(t0);
            checkStop();

            String modelFile = fileName(task) + ".gguf";
            Path out = Files.createDirectories(dir.resolve("out")).resolve(modelFile);
            BuiltVariant built = builder.build(task.sourceFormat(), source.local(), task.recipe(), out, buildProgress(), stop);
            checkStop();

            BenchmarkStage.Outcome bench = text == null ? null : benchmarks.run(source, text, built.file(), modelFile, dir,
                    f -> progress.update(ProgressReporter.Phase.BENCHMARK, Math.round(f * 1000), 1000), stop);
            checkStop();
            BenchmarkSummary summary = bench == null ? null : bench.report().summary();
            List<String> failures = summary == null ? List.of()
                    : task.gates().check(summary).stream().map(GateFailure::toString).toList();
            // a rejected variant is still published, where nobody takes it for an accepted one
            S3Uri prefix = failures.isEmpty() ? results : rejectedPrefix(results);

            long t1 = System.nanoTime();
            String modelSha = Sha256.of(built.file());
            S3Uri modelUri = prefix.resolve(modelFile);
            List<Manifest.FileEntry> files = new ArrayList<>();
            files.add(new Manifest.FileEntry(modelFile, modelUri.toString(), built.fileBytes(), modelSha));
            byte[] report = bench == null ? null : bench.report().toJson();
            JsonNode reportTree = report == null ? null : readTree(report);
            S3Uri reportUri = prefix.resolve(BENCHMARK_FILE);
            if (report != null) {
                files.add(new Manifest.FileEntry(BENCHMARK_FILE, reportUri.toString(), report.length, Sha256.of(report)));
            }
            Manifest draft = manifest(modelFile, files, built, bench, reportTree, failures, downloadMillis, 0, began);
            byte[] card = ModelCard.render(draft).getBytes(StandardCharsets.UTF_8);
            S3Uri cardUri = prefix.resolve(CARD_FILE);
            files.add(new Manifest.FileEntry(CARD_FILE, cardUri.toString(), card.length, Sha256.of(card)));

            store.ensureBucket(prefix.bucket());
            long total = built.fileBytes() + card.length + (report == null ? 0 : report.length);
            progress.update(ProgressReporter.Phase.UPLOAD, 0, total);
            store.upload(built.file(), modelUri, "application/octet-stream");
            progress.update(ProgressReporter.Phase.UPLOAD, built.fileBytes(), total);
            if (report != null) {
                store.put(report, reportUri, "application/json");
            }
            store.put(card, cardUri, "text/markdown; charset=utf-8");
            checkStop();

            Manifest manifest = manifest(modelFile, files, built, bench, reportTree, failures, downloadMillis,
                    millisSince(t1), began);
            byte[] manifestBytes = json(manifest);
            S3Uri manifestUri = prefix.resolve(Manifest.FILE_NAME);
            // last: its presence tells every reader that the files it lists are all there
            store.put(manifestBytes, manifestUri, "application/json");
            LOG.infof("task %s: %s built and uploaded in %d ms (%s, %.3f bpw)%s", task.taskId(), modelUri, millisSince(began),
                    built.plan().fileType(), built.plan().bitsPerWeight(), failures.isEmpty() ? "" : ", rejected");
            VariantResult result = result(manifest, manifestUri, manifestBytes);
            return failures.isEmpty() ? event.succeeded(result) : event.rejected(rejection(manifest), result);
        }

        /** Downloads the source: every object right under an HF prefix, or the one GGUF object. */
        private BenchmarkStage.Source download() throws IOException {
            S3Uri uri = S3Uri.parse(task.source());
            Path local = Files.createDirectories(dir.resolve("source"));
            List<StoredObject> objects;
            if (task.sourceFormat() == SourceFormat.HF) {
                // right under the prefix only: the reference cache below it (.quantforge/) is not part of the model
                objects = store.list(uri);
                if (objects.isEmpty()) {
                    throw new InvalidInputException(uri + ": no objects under this prefix; expected a Hugging Face checkpoint "
                            + "(config.json, tokenizer, *.safetensors)");
                }
            } else {
                objects = List.of(store.stat(uri).orElseThrow(() -> new InvalidInputException(uri + ": no such object")));
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
            Path path = task.sourceFormat() == SourceFormat.HF ? local : local.resolve(objects.get(0).fileName());
            return new BenchmarkStage.Source(task.sourceFormat(), uri, objects, path);
        }

        private QuantizeProgress buildProgress() {
            return new QuantizeProgress() {
                @Override
                public void bytesProcessed(long done, long total) {
                    progress.update(ProgressReporter.Phase.BUILD, done, total);
                }
            };
        }

        private Manifest manifest(String modelFile, List<Manifest.FileEntry> files, BuiltVariant built,
                                  BenchmarkStage.Outcome bench, JsonNode report, List<String> gateFailures,
                                  long downloadMillis, long uploadMillis, long began) {
            BenchmarkSummary summary = null;
            Manifest.BenchmarkInputs inputs = null;
            long benchmarkMillis = 0;
            if (bench != null) {
                summary = bench.report().summary();
                inputs = new Manifest.BenchmarkInputs(bench.text().origin(), bench.text().sha256(),
                        bench.reference().uri().toString(), bench.reference().reused());
                benchmarkMillis = bench.millis();
            }
            return new Manifest(Manifest.VERSION, task.taskId(), task.jobId(), modelName(task), variant(task),
                    new Manifest.Source(task.source(), task.sourceFormat()), task.recipe(), task.profile(),
                    EngineVersion.get(), workerId, clock.instant(), modelFile, files, built.plan(),
                    new Manifest.Timings(downloadMillis, built.convertMillis(), built.quantizeMillis(), benchmarkMillis,
                            uploadMillis, millisSince(began)),
                    report, summary, inputs, gateFailures);
        }

        private void checkStop() {
            if (stop.getAsBoolean()) {
                throw new CancellationException("task " + task.taskId() + " stopped");
            }
        }
    }

    /**
     * The end of an earlier run of this very task, if it finished: its manifest and every file it lists,
     * under the results prefix (SUCCEEDED) or under {@code rejected/} (REJECTED).
     */
    private Optional<TaskEvent> existingEnd(TaskMessage task, S3Uri results, EventFactory event) {
        for (S3Uri prefix : List.of(results, rejectedPrefix(results))) {
            S3Uri manifestUri = prefix.resolve(Manifest.FILE_NAME);
            Optional<byte[]> bytes = store.read(manifestUri);
            if (bytes.isEmpty()) {
                continue;
            }
            Optional<Manifest> manifest = completeManifest(task, manifestUri, bytes.get());
            if (manifest.isEmpty()) {
                return Optional.empty();
            }
            LOG.infof("task %s: a complete manifest is already at %s; reporting it", task.taskId(), manifestUri);
            VariantResult result = result(manifest.get(), manifestUri, bytes.get());
            return Optional.of(manifest.get().rejected() ? event.rejected(rejection(manifest.get()), result) : event.succeeded(result));
        }
        return Optional.empty();
    }

    /** The manifest, if it is this task's and every file it lists is there with its size. */
    private Optional<Manifest> completeManifest(TaskMessage task, S3Uri manifestUri, byte[] bytes) {
        Manifest manifest;
        try {
            manifest = MessageCodec.json().readValue(bytes, Manifest.class);
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
        return Optional.of(manifest);
    }

    private static VariantResult result(Manifest manifest, S3Uri manifestUri, byte[] manifestBytes) {
        List<StoredFile> files = new ArrayList<>();
        manifest.files().forEach(f -> files.add(new StoredFile(f.uri(), f.bytes(), f.sha256())));
        files.add(new StoredFile(manifestUri.toString(), manifestBytes.length, Sha256.of(manifestBytes)));
        Manifest.Timings t = manifest.timings();
        return new VariantResult(manifestUri.toString(), files, manifest.model().bytes(), manifest.plan().bitsPerWeight(),
                manifest.plan().parameters(), t.convertMillis(), t.quantizeMillis(), t.benchmarkMillis(), t.totalMillis(),
                manifest.benchmarkSummary());
    }

    private static String rejection(Manifest manifest) {
        return "quality gates failed: " + String.join("; ", manifest.gateFailures());
    }

    /** {@code <bucket>/<model>/<job>/<variant>/} → {@code <bucket>/<model>/<job>/rejected/<variant>/}. */
    static S3Uri rejectedPrefix(S3Uri results) {
        String key = results.prefix();
        String path = key.substring(0, key.length() - 1);
        int slash = path.lastIndexOf('/');
        return new S3Uri(results.bucket(), path.substring(0, slash + 1) + REJECTED_DIR + path.substring(slash + 1) + "/");
    }

    private static JsonNode readTree(byte[] json) {
        try {
            return MessageCodec.json().readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("benchmark report is not JSON: " + e.getMessage(), e);
        }
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

        TaskEvent rejected(String reason, VariantResult result) {
            LOG.infof("task %s rejected: %s", task.taskId(), reason);
            return new TaskEvent(UUID.randomUUID(), task.taskId(), task.jobId(), TaskEvent.Type.REJECTED, clock.instant(), workerId,
                    100, reason, result);
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
