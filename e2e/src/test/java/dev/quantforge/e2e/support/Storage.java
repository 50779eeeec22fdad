package dev.quantforge.e2e.support;

import dev.quantforge.common.jobs.S3Uri;
import io.minio.BucketExistsArgs;
import io.minio.DownloadObjectArgs;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.UploadObjectArgs;
import io.minio.messages.Item;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** The S3 server as a user of quantforge sees it: where models are put and results fetched, through the MinIO client. */
public final class Storage {
    private final MinioClient client;

    public Storage(String endpoint, String region, String accessKey, String secretKey) {
        this.client = MinioClient.builder().endpoint(endpoint).region(region).credentials(accessKey, secretKey).build();
    }

    public void createBucket(String bucket) {
        try {
            if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
                client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot create bucket " + bucket, e);
        }
    }

    /** Every file right in {@code dir} (a Hugging Face checkpoint directory) under {@code prefix}; returns its URI. */
    public S3Uri uploadDirectory(Path dir, S3Uri prefix) {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                upload(file, prefix.resolve(file.getFileName().toString()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new S3Uri(prefix.bucket(), prefix.prefix());
    }

    public void upload(Path file, S3Uri object) {
        try {
            client.uploadObject(UploadObjectArgs.builder().bucket(object.bucket()).object(object.key())
                    .filename(file.toString()).build());
        } catch (Exception e) {
            throw new IllegalStateException("upload of " + file + " to " + object + " failed", e);
        }
    }

    public void put(S3Uri object, byte[] bytes) {
        try {
            client.putObject(PutObjectArgs.builder().bucket(object.bucket()).object(object.key())
                    .stream(new ByteArrayInputStream(bytes), bytes.length, -1).build());
        } catch (Exception e) {
            throw new IllegalStateException("put of " + object + " failed", e);
        }
    }

    /** Removes every object under {@code prefix}. */
    public void removeAll(S3Uri prefix) {
        try {
            for (Result<Item> item : client.listObjects(ListObjectsArgs.builder().bucket(prefix.bucket())
                    .prefix(prefix.prefix()).recursive(true).build())) {
                client.removeObject(RemoveObjectArgs.builder().bucket(prefix.bucket()).object(item.get().objectName()).build());
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot remove " + prefix, e);
        }
    }

    /** The names of every object under {@code prefix}. */
    public java.util.List<String> list(S3Uri prefix) {
        java.util.List<String> names = new java.util.ArrayList<>();
        try {
            for (Result<Item> item : client.listObjects(ListObjectsArgs.builder().bucket(prefix.bucket())
                    .prefix(prefix.prefix()).recursive(true).build())) {
                names.add(item.get().objectName());
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot list " + prefix, e);
        }
        return names;
    }

    public byte[] read(S3Uri object) {
        try (InputStream in = client.getObject(GetObjectArgs.builder().bucket(object.bucket()).object(object.key()).build())) {
            return in.readAllBytes();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read " + object, e);
        }
    }

    public void download(S3Uri object, Path file) {
        try {
            Files.deleteIfExists(file);
            client.downloadObject(DownloadObjectArgs.builder().bucket(object.bucket()).object(object.key())
                    .filename(file.toString()).build());
        } catch (Exception e) {
            throw new IllegalStateException("cannot download " + object, e);
        }
    }
}
