package dev.quantforge.worker.bench;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.common.jobs.S3Uri;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.engine.bench.ReferenceLogits;
import dev.quantforge.engine.bench.VariantBenchmark;
import dev.quantforge.engine.runtime.LlamaRuntime;
import dev.quantforge.worker.publish.Sha256;
import dev.quantforge.worker.storage.ObjectStore;
import dev.quantforge.worker.storage.StorageException;
import dev.quantforge.worker.storage.StoredObject;
import org.jboss.logging.Logger;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * The source's reference logits, kept in S3 beside the source so that every variant of every job on the
 * same source and text is compared with them without running the source again:
 * {@code s3://b/models/m/} (a Hugging Face prefix) → {@code s3://b/models/m/.quantforge/reference/<key>.qfref},
 * {@code s3://b/models/m.gguf} → {@code s3://b/models/.quantforge/reference/<key>.qfref}. The HF download
 * lists only the objects right under the prefix, so it never picks these up.
 *
 * <p>The key is a SHA-256 over everything that makes a reference valid: the source objects (names, sizes,
 * ETags), the text, top-k, the size budget, the reference format and the llama.cpp build and how it runs
 * the source. Anything
 * else changing gives another key, so a stale object is never read as current.
 *
 * <p>Two workers that miss at the same time both compute the reference and both write it: the bytes are the
 * same (same source, text, build and settings), the last write wins, and no lock is worth that rare double work.
 */
public final class ReferenceCache {
    private static final Logger LOG = Logger.getLogger(ReferenceCache.class);
    public static final String DIRECTORY = ".quantforge/reference/";
    public static final String EXTENSION = ".qfref";
    /**
     * Bumped whenever the encoding of the cached object changes (ReferenceLogits keeps its own version
     * private; an old object it refuses counts as damaged and is computed again anyway).
     */
    static final int FORMAT_VERSION = 2;

    private final ObjectStore store;

    public ReferenceCache(ObjectStore store) {
        this.store = store;
    }

    /**
     * @param uri    where the reference is cached
     * @param reused true when it was read from the cache, false when it was computed by this task
     */
    public record Reference(ReferenceLogits logits, S3Uri uri, boolean reused) {
    }

    /**
     * The cached reference when there is a sound one, else one computed from {@code localSource} (the
     * downloaded source) and uploaded. A damaged or mismatched cached object is computed again and overwritten.
     */
    public Reference obtain(SourceFormat format, S3Uri source, List<StoredObject> objects, Path localSource,
                            long sourceBytes, EvaluationText text, int threads, Path scratch, BooleanSupplier stop) {
        S3Uri uri = location(format, source, key(objects, text.sha256()));
        Optional<ReferenceLogits> cached = read(uri, text);
        if (cached.isPresent()) {
            LOG.infof("reference logits for %s reused from %s", source, uri);
            return new Reference(cached.get(), uri, true);
        }
        ReferenceLogits computed = compute(localSource, sourceBytes, source, text, threads, scratch, stop);
        try {
            store.put(computed.toBytes(), uri, "application/octet-stream");
            LOG.infof("reference logits for %s computed and cached at %s", source, uri);
        } catch (StorageException e) {
            // a read-only source bucket costs every task the computation, not the task itself
            LOG.warnf("reference logits for %s not cached at %s: %s", source, uri, e.getMessage());
        }
        return new Reference(computed, uri, false);
    }

    private Optional<ReferenceLogits> read(S3Uri uri, EvaluationText text) {
        Optional<byte[]> bytes = store.read(uri);
        if (bytes.isEmpty()) {
            return Optional.empty();
        }
        try {
            ReferenceLogits logits = ReferenceLogits.read(new ByteArrayInputStream(bytes.get()));
            if (!logits.textSha256().equals(text.sha256())) {
                LOG.warnf("reference logits at %s are for another text; computing them again", uri);
                return Optional.empty();
            }
            return Optional.of(logits);
        } catch (InvalidInputException | IOException e) {
            LOG.warnf("reference logits at %s are damaged (%s); computing them again", uri, e.getMessage());
            return Optional.empty();
        }
    }

    private static ReferenceLogits compute(Path localSource, long sourceBytes, S3Uri source, EvaluationText text,
                                           int threads, Path scratch, BooleanSupplier stop) {
        Path dir;
        try {
            dir = Files.createDirectories(scratch.resolve("reference"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (stop.getAsBoolean()) {
            throw new CancellationException("stopped before the reference logits of " + source);
        }
        try {
            return VariantBenchmark.referenceLogits(localSource, sourceBytes, text.paragraphs(), threads, dir);
        } catch (InvalidInputException e) {
            throw new InvalidInputException("source " + source + " does not run on llama.cpp for its reference logits: "
                    + e.getMessage().replace(dir.toString(), source.toString()), e);
        } finally {
            deleteConverted(dir);
        }
    }

    /** The converted source (an HF checkpoint's GGUF) is as large as the source: free the disk at once. */
    private static void deleteConverted(Path dir) {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warnf("cannot delete %s: %s", dir, e.getMessage());
        }
    }

    /** Beside the source: under an HF prefix, or in the "directory" of a GGUF object. */
    static S3Uri location(SourceFormat format, S3Uri source, String key) {
        S3Uri parent = switch (format) {
            case HF -> source;
            case GGUF, ONNX -> new S3Uri(source.bucket(), source.key().substring(0, source.key().lastIndexOf('/') + 1));
        };
        return parent.resolve(DIRECTORY + key + EXTENSION);
    }

    static String key(List<StoredObject> objects, String textSha256) {
        LlamaRuntime runtime = LlamaRuntime.get();
        StringBuilder in = new StringBuilder();
        in.append("quantforge reference logits, format ").append(FORMAT_VERSION).append('\n');
        in.append("llama.cpp b").append(runtime.buildNumber()).append(' ').append(runtime.commit())
                .append(", context at most ").append(VariantBenchmark.EVALUATION_CONTEXT).append(", default kv cache\n");
        in.append("text sha256 ").append(textSha256).append(", top-k ").append(ReferenceLogits.DEFAULT_TOP_K)
                .append(", tail mass ").append(ReferenceLogits.DEFAULT_TAIL_MASS)
                .append(", within ").append(ReferenceLogits.defaultBudget(100)).append(" % of the source\n");
        objects.stream().sorted(Comparator.comparing(o -> o.uri().key())).forEach(o ->
                in.append(o.fileName()).append(' ').append(o.bytes()).append(' ').append(o.etag()).append('\n'));
        return Sha256.of(in.toString().getBytes(StandardCharsets.UTF_8));
    }
}
