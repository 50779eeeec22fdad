package dev.quantforge.worker.download;

import dev.quantforge.common.jobs.S3Uri;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.common.messages.TaskEvent.SourceObject;
import dev.quantforge.engine.bench.VariantBenchmark;
import dev.quantforge.worker.storage.StoredObject;

import java.nio.file.Path;
import java.util.List;

/**
 * A task's source on local disk: where it is in S3, its objects there, what was read of each (ETag and SHA-256, the
 * variant's lineage), and its local copy.
 */
public record DownloadedSource(SourceFormat format, S3Uri uri, List<StoredObject> objects, List<SourceObject> lineage,
                               Path local) {
    public DownloadedSource {
        objects = List.copyOf(objects);
        lineage = List.copyOf(lineage);
    }

    /** The weights' size, as the CLI counts it: the GGUF file, or an HF checkpoint's top-level safetensors. */
    public long bytes() {
        return VariantBenchmark.bytesOnDisk(local);
    }
}
