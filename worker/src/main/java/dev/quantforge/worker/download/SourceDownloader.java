package dev.quantforge.worker.download;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.common.jobs.S3Uri;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.common.messages.TaskEvent.SourceObject;
import dev.quantforge.common.messages.TaskMessage;
import dev.quantforge.worker.storage.ObjectStore;
import dev.quantforge.worker.storage.StoredObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * The download stage: every object right under an HF prefix, the one GGUF object, or an ONNX model object with its
 * external data and tokenizer.json, into a local directory. Each object's ETag (from the listing) and SHA-256 (of the
 * bytes as they stream in) are its lineage.
 */
public final class SourceDownloader {
    private final ObjectStore store;

    public SourceDownloader(ObjectStore store) {
        this.store = store;
    }

    /**
     * @param progress hears the bytes done and the total after each piece
     * @param check    runs between pieces; it throws to stop the download
     */
    public DownloadedSource download(TaskMessage task, Path dir, Progress progress, Runnable check) throws IOException {
        S3Uri uri = S3Uri.parse(task.source());
        Path local = Files.createDirectories(dir);
        List<StoredObject> objects;
        if (task.sourceFormat() == SourceFormat.HF) {
            // right under the prefix only: the reference cache below it (.quantforge/) is not part of the model
            objects = store.list(uri);
            if (objects.isEmpty()) {
                throw new InvalidInputException(uri + ": no objects under this prefix; expected a Hugging Face checkpoint "
                        + "(config.json, tokenizer, *.safetensors)");
            }
        } else if (task.sourceFormat() == SourceFormat.ONNX) {
            objects = onnxModel(SourceFormat.onnxModelObject(uri));
        } else {
            objects = List.of(store.stat(uri).orElseThrow(() -> new InvalidInputException(uri + ": no such object")));
        }
        long total = objects.stream().mapToLong(StoredObject::bytes).sum();
        long[] done = {0};
        LongConsumer transferred = n -> {
            done[0] += n;
            progress.bytes(done[0], total);
            check.run();
        };
        List<SourceObject> lineage = new ArrayList<>();
        for (StoredObject object : objects) {
            check.run();
            String sha256 = store.download(object.uri(), local.resolve(object.fileName()), transferred);
            lineage.add(new SourceObject(object.uri().toString(), object.bytes(), object.etag(), sha256));
        }
        Path path = task.sourceFormat() == SourceFormat.HF ? local : local.resolve(objects.get(0).fileName());
        if (task.sourceFormat() == SourceFormat.ONNX) {
            path = local.resolve(SourceFormat.onnxModelObject(uri).lastName());
        }
        return new DownloadedSource(task.sourceFormat(), uri, objects, lineage, path);
    }

    /**
     * An ONNX model object and what lies beside it that belongs to it: its external data ({@code model.onnx.data},
     * {@code model.onnx_data}: objects named after it) and {@code tokenizer.json} (the benchmark's text inputs). Other
     * objects under the same prefix (other models) are not fetched.
     */
    private List<StoredObject> onnxModel(S3Uri uri) {
        StoredObject model = store.stat(uri).orElseThrow(() -> new InvalidInputException(uri + ": no such object"));
        String name = uri.lastName();
        S3Uri parent = new S3Uri(uri.bucket(), uri.key().substring(0, uri.key().lastIndexOf('/') + 1));
        List<StoredObject> objects = new ArrayList<>(List.of(model));
        for (StoredObject o : store.list(parent)) {
            String file = o.fileName();
            if (!file.equals(name) && (file.startsWith(name + ".") || file.startsWith(name + "_") || file.equals("tokenizer.json"))) {
                objects.add(o);
            }
        }
        return objects;
    }

    /** Bytes moved so far of a transfer. */
    @FunctionalInterface
    public interface Progress {
        void bytes(long done, long total);
    }
}
