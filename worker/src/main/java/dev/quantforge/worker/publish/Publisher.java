package dev.quantforge.worker.publish;


import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.common.jobs.ResultLayout;
import dev.quantforge.common.jobs.S3Uri;
import dev.quantforge.common.messages.TaskEvent.SourceObject;
import dev.quantforge.common.messages.TaskEvent.StoredFile;
import dev.quantforge.common.messages.TaskEvent.VariantResult;
import dev.quantforge.common.messages.TaskMessage;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.EngineVersion;
import dev.quantforge.engine.deploy.DeploymentBundle;
import dev.quantforge.engine.deploy.ServingFacts;
import dev.quantforge.engine.oci.Blob;
import dev.quantforge.engine.oci.Digests;
import dev.quantforge.engine.ollama.OllamaModel;
import dev.quantforge.engine.ollama.OllamaName;
import dev.quantforge.engine.variant.BuiltVariant;
import dev.quantforge.worker.bench.BenchmarkStage;
import dev.quantforge.worker.messages.MessageCodec;
import dev.quantforge.worker.storage.ObjectStore;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The publish stage: uploads a variant's model file (or every file of its model directory, MLX's, under
 * {@code <model>/}), its {@code benchmark.json}, its card and last its
 * manifest to the task's results prefix, or, for a rejected variant, to {@code rejected/} beside it
 * ({@link ResultLayout}). The manifest's presence tells every reader that the files it lists are all there,
 * so a redelivered task whose complete manifest is found is reported without building again.
 */
public final class Publisher {
    private static final Logger LOG = Logger.getLogger(Publisher.class);

    /** Where a variant's Ollama layout goes, under the variant's prefix. */
    public static final String OLLAMA = "ollama/";

    private final ObjectStore store;
    private final String workerId;
    private final Clock clock;

    public Publisher(ObjectStore store, String workerId, Clock clock) {
        this.store = store;
        this.workerId = workerId;
        this.clock = clock;
    }

    /** A variant in object storage: its manifest and what the task's end reports of it. */
    public record Published(Manifest manifest, VariantResult result) {
        public boolean rejected() {
            return manifest.rejected();
        }

        public String rejection() {
            return "quality gates failed: " + String.join("; ", manifest.gateFailures());
        }
    }

    /** What the stages before this one found out, for the manifest ({@code source}: the objects read, lineage). */
    public record Variant(BuiltVariant built, BenchmarkStage.Outcome bench, List<String> gateFailures,
                          long downloadMillis, List<SourceObject> source) {
    }

    /**
     * @param uploaded hears the bytes uploaded so far and the total
     * @param check    runs before the manifest; it throws to stop the task
     * @param began    {@link System#nanoTime()} when the task began, for its total time
     */
    public Published publish(TaskMessage task, Variant variant, Uploaded uploaded, Runnable check, long began) {
        S3Uri results = S3Uri.parse(task.resultsPrefix());
        // a rejected variant is still published, where nobody takes it for an accepted one
        S3Uri prefix = variant.gateFailures().isEmpty() ? results : ResultLayout.rejected(results);
        long t0 = System.nanoTime();
        BuiltVariant built = variant.built();
        Path output = built.written().output();
        String modelFile = output.getFileName().toString();
        S3Uri modelUri = prefix.resolve(modelFile);
        // a one-file variant (GGUF) is itself; a directory (MLX) is every file in it, under <modelFile>/
        List<ModelPart> parts = modelParts(output, prefix);
        List<Manifest.FileEntry> files = new ArrayList<>();
        long modelBytes = 0;
        for (ModelPart part : parts) {
            files.add(new Manifest.FileEntry(part.name(), part.uri().toString(), part.bytes(), Sha256.of(part.file())));
            modelBytes += part.bytes();
        }
        byte[] report = variant.bench() == null ? null : variant.bench().report().toJson();
        S3Uri reportUri = prefix.resolve(ResultLayout.BENCHMARK);
        if (report != null) {
            files.add(new Manifest.FileEntry(ResultLayout.BENCHMARK, reportUri.toString(), report.length, Sha256.of(report)));
        }
        // a GGUF variant that passed also goes up as Ollama's store layout, under ollama/ (listed in the manifest)
        List<Runnable> extraUploads = new ArrayList<>();
        long extraBytes = variant.gateFailures().isEmpty() && modelFile.endsWith(".gguf")
                ? ollamaLayout(task, output, prefix, files, extraUploads) : 0;
        // and every variant that passed gets what serving it takes, under deploy/ (listed in the manifest)
        extraBytes += variant.gateFailures().isEmpty() ? deploymentBundle(task, variant, output, prefix, files, extraUploads) : 0;
        Manifest draft = manifest(task, modelFile, files, variant, report);
        byte[] card = ModelCard.render(draft).getBytes(StandardCharsets.UTF_8);
        S3Uri cardUri = prefix.resolve(ResultLayout.CARD);

        store.ensureBucket(prefix.bucket());
        long total = modelBytes + card.length + (report == null ? 0 : report.length) + extraBytes;
        uploaded.bytes(0, total);
        long done = 0;
        for (ModelPart part : parts) {
            store.upload(part.file(), part.uri(), contentType(part.name()));
            done += part.bytes();
            uploaded.bytes(done, total);
        }
        extraUploads.forEach(Runnable::run);
        uploaded.bytes(done + extraBytes, total);
        if (report != null) {
            store.put(report, reportUri, "application/json");
        }
        store.put(card, cardUri, "text/markdown; charset=utf-8");
        check.run();

        Manifest manifest = draft.withUpload(new Manifest.FileEntry(ResultLayout.CARD, cardUri.toString(), card.length,
                Sha256.of(card)), millisSince(t0), millisSince(began));
        byte[] manifestBytes = json(manifest);
        S3Uri manifestUri = prefix.resolve(ResultLayout.MANIFEST);
        // last: its presence tells every reader that the files it lists are all there
        store.put(manifestBytes, manifestUri, "application/json");
        LOG.infof("task %s: %s%s built and uploaded in %d ms (%s, %.3f bpw)%s", task.taskId(), modelUri,
                Files.isDirectory(output) ? "/ (" + parts.size() + " files)" : "", millisSince(began),
                manifest.plan().fileType(), manifest.plan().bitsPerWeight(), manifest.rejected() ? ", rejected" : "");
        return new Published(manifest, result(manifest, manifestUri, manifestBytes));
    }

    /** One uploaded file of the model: its name under the variant's prefix, where it goes, its size. */
    private record ModelPart(Path file, String name, S3Uri uri, long bytes) {
    }

    /** The model file itself, or every regular file of a model directory (sorted, as {@code dir/sub/file} names). */
    private static List<ModelPart> modelParts(Path output, S3Uri prefix) {
        String modelFile = output.getFileName().toString();
        try {
            if (!Files.isDirectory(output)) {
                List<ModelPart> parts = new ArrayList<>(List.of(
                        new ModelPart(output, modelFile, prefix.resolve(modelFile), Files.size(output))));
                // a quantized ONNX model with external data: its OUT.onnx.data goes beside it, under its own name
                Path data = output.resolveSibling(modelFile + ".data");
                if (modelFile.endsWith(".onnx") && Files.isRegularFile(data)) {
                    String name = data.getFileName().toString();
                    parts.add(new ModelPart(data, name, prefix.resolve(name), Files.size(data)));
                }
                return parts;
            }
            List<ModelPart> parts = new ArrayList<>();
            try (Stream<Path> walk = Files.walk(output)) {
                for (Path f : walk.filter(Files::isRegularFile).sorted().toList()) {
                    String name = modelFile + "/" + output.relativize(f).toString().replace('\\', '/');
                    parts.add(new ModelPart(f, name, prefix.resolve(name), Files.size(f)));
                }
            }
            return parts;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + output + ": " + e.getMessage(), e);
        }
    }

    private static String contentType(String name) {
        if (name.endsWith(".yaml")) {
            return "application/yaml";
        }
        if (name.endsWith(".md") || name.endsWith("Dockerfile") || name.endsWith(".py")) {
            return "text/plain; charset=utf-8";
        }
        return name.endsWith(".json") ? "application/json" : "application/octet-stream";
    }

    /** Ollama's name for a variant: the model's name and the variant as the tag, in the characters Ollama allows. */
    static OllamaName ollamaName(TaskMessage task) {
        return new OllamaName("library", ollamaPart(task.modelName(), 80), ollamaPart(task.variant(), 80));
    }

    private static String ollamaPart(String s, int max) {
        String safe = s.replaceAll("[^A-Za-z0-9_.-]", "-").replaceAll("^[^A-Za-z0-9_]+", "");
        safe = safe.isEmpty() ? "model" : safe;
        return safe.length() > max ? safe.substring(0, max) : safe;
    }

    /**
     * Lists Ollama's store layout of the GGUF under {@code <prefix>/ollama/} in {@code files} and queues its uploads:
     * {@code blobs/sha256-<hex>} (the GGUF, its config, its license), {@code manifests/registry.ollama.ai/library/
     * <model>/<variant>} and the {@code Modelfile}. Copied as it is into {@code $OLLAMA_MODELS}, it is the model.
     *
     * @return the bytes to upload
     */
    private long ollamaLayout(TaskMessage task, Path gguf, S3Uri prefix, List<Manifest.FileEntry> files, List<Runnable> uploads) {
        OllamaModel model;
        try {
            model = OllamaModel.of(gguf, OllamaModel.Options.none());
        } catch (InvalidInputException e) {
            LOG.warnf("task %s: no Ollama layout: %s", task.taskId(), e.getMessage());
            return 0;
        }
        OllamaName name = ollamaName(task);
        long bytes = 0;
        List<Blob> blobs = new ArrayList<>(model.layers());
        blobs.add(model.config());
        for (Blob blob : blobs) {
            String key = OLLAMA + "blobs/sha256-" + Digests.hex(blob.digest());
            S3Uri uri = prefix.resolve(key);
            files.add(new Manifest.FileEntry(key, uri.toString(), blob.size(), Digests.hex(blob.digest())));
            uploads.add(blob.file() != null ? () -> store.upload(blob.file(), uri, "application/octet-stream")
                    : () -> store.put(blob.bytes(), uri, "application/octet-stream"));
            bytes += blob.size();
        }
        byte[] manifest = model.manifest();
        String manifestKey = OLLAMA + name.manifestPath().toString().replace('\\', '/');
        S3Uri manifestUri = prefix.resolve(manifestKey);
        files.add(new Manifest.FileEntry(manifestKey, manifestUri.toString(), manifest.length, Sha256.of(manifest)));
        uploads.add(() -> store.put(manifest, manifestUri, OllamaModel.MANIFEST_MEDIA_TYPE));
        byte[] modelfile = model.modelfile(name).getBytes(StandardCharsets.UTF_8);
        S3Uri modelfileUri = prefix.resolve(OLLAMA + "Modelfile");
        files.add(new Manifest.FileEntry(OLLAMA + "Modelfile", modelfileUri.toString(), modelfile.length, Sha256.of(modelfile)));
        uploads.add(() -> store.put(modelfile, modelfileUri, "text/plain; charset=utf-8"));
        return bytes + manifest.length + modelfile.length;
    }

    /** The CPU threads a deployment bundle asks for when the variant was not benchmarked. */
    static final int DEFAULT_SERVING_THREADS = 4;

    /**
     * Lists the variant's deployment bundle ({@link DeploymentBundle}: Dockerfile, compose.yaml, kubernetes.yaml,
     * README.md) under {@code <prefix>/deploy/} in {@code files} and queues its uploads; the threads are those the
     * benchmark ran with.
     *
     * @return the bytes to upload
     */
    private long deploymentBundle(TaskMessage task, Variant variant, Path output, S3Uri prefix, List<Manifest.FileEntry> files,
                                  List<Runnable> uploads) {
        int threads = variant.bench() == null || variant.bench().report().summary().threads() <= 0 ? DEFAULT_SERVING_THREADS
                : variant.bench().report().summary().threads();
        Map<String, byte[]> bundle;
        try {
            bundle = DeploymentBundle.render(ServingFacts.of(output, task.modelName(), task.variant(), threads));
        } catch (InvalidInputException e) {
            LOG.warnf("task %s: no deployment bundle: %s", task.taskId(), e.getMessage());
            return 0;
        }
        long bytes = 0;
        for (Map.Entry<String, byte[]> file : bundle.entrySet()) {
            String key = DeploymentBundle.DIR + file.getKey();
            S3Uri uri = prefix.resolve(key);
            byte[] content = file.getValue();
            files.add(new Manifest.FileEntry(key, uri.toString(), content.length, Sha256.of(content)));
            uploads.add(() -> store.put(content, uri, contentType(key)));
            bytes += content.length;
        }
        return bytes;
    }

    /**
     * The end of an earlier run of this very task, if it finished: its manifest and every file it lists,
     * under the results prefix (SUCCEEDED) or under {@code rejected/} (REJECTED).
     */
    public Optional<Published> existing(TaskMessage task) {
        S3Uri results = S3Uri.parse(task.resultsPrefix());
        for (S3Uri prefix : List.of(results, ResultLayout.rejected(results))) {
            S3Uri manifestUri = prefix.resolve(ResultLayout.MANIFEST);
            Optional<byte[]> bytes = store.read(manifestUri);
            if (bytes.isEmpty()) {
                continue;
            }
            Optional<Manifest> manifest = completeManifest(task, manifestUri, bytes.get());
            if (manifest.isEmpty()) {
                return Optional.empty();
            }
            LOG.infof("task %s: a complete manifest is already at %s; reporting it", task.taskId(), manifestUri);
            return Optional.of(new Published(manifest.get(), result(manifest.get(), manifestUri, bytes.get())));
        }
        return Optional.empty();
    }

    private Manifest manifest(TaskMessage task, String modelFile, List<Manifest.FileEntry> files, Variant variant,
                              byte[] report) {
        BenchmarkStage.Outcome bench = variant.bench();
        BuiltVariant built = variant.built();
        var timings = new Manifest.Timings(variant.downloadMillis(), built.planning().toMillis(),
                built.written().elapsed().toMillis(), bench == null ? 0 : bench.millis(), 0, 0);
        Manifest.BenchmarkInputs inputs = bench == null ? null : new Manifest.BenchmarkInputs(bench.text().origin(),
                bench.text().sha256(), bench.reference().uri().toString(), bench.reference().reused());
        return new Manifest(Manifest.VERSION, task.taskId(), task.jobId(), task.modelName(), task.variant(),
                new Manifest.Source(task.source(), task.sourceFormat(), variant.source()), task.recipe(), task.profile(),
                EngineVersion.get(), EngineVersion.commit(), workerId, clock.instant(), modelFile, files, built.plan().summary(), timings,
                report == null ? null : readTree(report), bench == null ? null : bench.report().summary(), inputs,
                variant.gateFailures());
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
        return new VariantResult(manifestUri.toString(), files, manifest.modelBytes(), manifest.plan().bitsPerWeight(),
                manifest.plan().parameters(), t.convertMillis(), t.quantizeMillis(), t.benchmarkMillis(), t.totalMillis(),
                manifest.benchmarkSummary(), manifest.source().objects(), List.of());
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

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    /** Bytes uploaded so far of a variant. */
    @FunctionalInterface
    public interface Uploaded {
        void bytes(long done, long total);
    }
}
