package dev.quantforge.worker.publish;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.common.jobs.S3Uri;
import dev.quantforge.common.messages.PublishTarget;
import dev.quantforge.common.messages.TaskMessage;
import dev.quantforge.engine.oci.OciClient;
import dev.quantforge.engine.oci.OciReference;
import dev.quantforge.engine.oci.RegistryException;
import dev.quantforge.engine.publish.VariantArtifacts;
import dev.quantforge.worker.config.WorkerConfig;
import dev.quantforge.worker.retry.Retrier;
import dev.quantforge.worker.storage.ObjectStore;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;

/**
 * The push stage: a SUCCEEDED variant, already in S3, goes to each registry its job names ({@code "publish"}), as an
 * Ollama model or a ModelPack artifact, with the worker's registry credentials ({@code qf.oci.*}). Transient faults
 * (no answer, 408, 429, 5xx) are tried again with the worker's retry policy ({@code qf.retry.*}); what still fails
 * fails the task with one line naming the registry and the status, and leaves the variant in S3 as it is.
 */
public final class RegistryPusher {
    private static final Logger LOG = Logger.getLogger(RegistryPusher.class);

    /** The registry settings the worker reads ({@code qf.oci.*}), as plain values. */
    public record Settings(OciClient.Credentials credentials, Set<String> insecureRegistries, long chunkSize,
                           java.time.Duration timeout) {
        public static Settings of(WorkerConfig.Oci oci) {
            return new Settings(new OciClient.Credentials(oci.username().orElse(null), oci.password().orElse(null),
                    oci.token().orElse(null)), Set.copyOf(oci.insecureRegistries().orElse(List.of())), oci.chunkSize(), oci.timeout());
        }
    }

    private final Settings settings;
    private final Retrier retrier;
    private final ObjectStore store;

    public RegistryPusher(Settings settings, Retrier retrier, ObjectStore store) {
        this.settings = settings;
        this.retrier = retrier;
        this.store = store;
    }

    /**
     * Pushes the variant to every target of the task.
     *
     * @param gguf the variant's GGUF on local disk, or null to fetch it from S3 (a variant published by an earlier run)
     * @param scratch where a fetched GGUF goes
     * @return what was pushed, each as {@code registry/repository:tag@digest}, in the job's order; empty when nothing
     */
    public List<String> push(TaskMessage task, Publisher.Published published, Path gguf, Path scratch) {
        if (task.publish().isEmpty() || published.rejected()) {
            return List.of();
        }
        Path local = gguf;
        if (local == null) {
            Manifest.FileEntry model = published.manifest().files().stream()
                    .filter(f -> f.name().equals(published.manifest().modelFile())).findFirst()
                    .orElseThrow(() -> new InvalidInputException("the manifest of " + task.variant() + " lists no model file"));
            try {
                local = Files.createDirectories(scratch).resolve(model.name());
            } catch (IOException e) {
                throw new UncheckedIOException(scratch + ": " + e.getMessage(), e);
            }
            store.download(S3Uri.parse(model.uri()), local, n -> { });
        }
        List<String> pushed = new ArrayList<>();
        for (PublishTarget target : task.publish()) {
            OciReference ref = OciReference.parse(target.oci());
            VariantArtifacts.Format format = VariantArtifacts.Format.parse(target.format());
            Path file = local;
            try {
                OciClient.PushResult result = retrier.call(() -> {
                    OciClient client = new OciClient(ref.registry(), settings.credentials(),
                            settings.insecureRegistries().contains(ref.registry()), settings.chunkSize(), settings.timeout());
                    return client.push(ref, VariantArtifacts.artifact(file, format, ref), line -> LOG.debugf("task %s: %s", task.taskId(), line));
                }, e -> e instanceof RegistryException r && r.transientFault());
                LOG.infof("task %s: pushed %s to %s as %s (%d blobs uploaded, %d there) in %d ms", task.taskId(), task.variant(),
                        ref, result.manifestDigest(), result.blobsUploaded(), result.blobsSkipped(), result.elapsed().toMillis());
                pushed.add(ref + "@" + result.manifestDigest());
            } catch (InvalidInputException e) {
                throw new InvalidInputException("variant " + task.variant() + " is published in S3 (" + task.resultsPrefix()
                        + "), but pushing it to " + ref + " failed: " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CancellationException("task " + task.taskId() + " interrupted while pushing to " + ref);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("push to " + ref + ": " + e, e);
            }
        }
        return pushed;
    }
}
