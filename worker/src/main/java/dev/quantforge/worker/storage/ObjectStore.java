package dev.quantforge.worker.storage;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.common.jobs.S3Uri;
import dev.quantforge.worker.retry.Retrier;
import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.InsufficientDataException;
import io.minio.errors.InvalidResponseException;
import io.minio.errors.ServerException;
import io.minio.messages.Item;
import org.jboss.logging.Logger;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * S3-compatible object storage through the MinIO client: listing, streaming downloads to files and
 * uploads from files. Transient faults (connection trouble, 5xx, throttling) are retried with backoff;
 * a missing object or bucket on a read is the caller's input problem and throws {@link InvalidInputException}.
 */
public final class ObjectStore {
    private static final Logger LOG = Logger.getLogger(ObjectStore.class);
    private static final Set<String> TRANSIENT_CODES =
            Set.of("InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout", "OperationAborted");
    private static final Set<String> MISSING_CODES = Set.of("NoSuchKey", "NoSuchBucket", "NoSuchObject");
    private static final int COPY_BUFFER = 1 << 20;

    private final MinioClient client;
    private final Retrier retrier;
    private final String endpoint;

    public ObjectStore(String endpoint, String accessKey, String secretKey, String region, Retrier retrier) {
        this.client = MinioClient.builder().endpoint(endpoint).credentials(accessKey, secretKey).region(region).build();
        // Reads are timed per read, not per object: a slow multi-gigabyte transfer is fine, a dead peer is not.
        client.setTimeout(TimeUnit.SECONDS.toMillis(10), TimeUnit.SECONDS.toMillis(60), TimeUnit.SECONDS.toMillis(60));
        this.retrier = retrier;
        this.endpoint = endpoint;
    }

    /** The objects right under {@code prefix} (not those in deeper "directories"), by key. */
    public List<StoredObject> list(S3Uri prefix) {
        return withRetries("list " + prefix, () -> {
            List<StoredObject> objects = new ArrayList<>();
            for (Result<Item> result : client.listObjects(ListObjectsArgs.builder()
                    .bucket(prefix.bucket()).prefix(prefix.prefix()).recursive(false).build())) {
                Item item = result.get();
                if (!item.isDir()) {
                    objects.add(new StoredObject(new S3Uri(prefix.bucket(), item.objectName()), item.size(), item.etag()));
                }
            }
            objects.sort(Comparator.comparing(o -> o.uri().key()));
            return objects;
        });
    }

    /** Size of an object, or empty when there is none. */
    public Optional<Long> size(S3Uri uri) {
        return stat(uri).map(StoredObject::bytes);
    }

    /** Size and ETag of an object, or empty when there is none. */
    public Optional<StoredObject> stat(S3Uri uri) {
        return withRetries("stat " + uri, () -> {
            try {
                StatObjectResponse stat = client.statObject(StatObjectArgs.builder().bucket(uri.bucket()).object(uri.key()).build());
                return Optional.of(new StoredObject(uri, stat.size(), stat.etag()));
            } catch (ErrorResponseException e) {
                if (MISSING_CODES.contains(e.errorResponse().code())) {
                    return Optional.empty();
                }
                throw e;
            }
        });
    }

    /** The bytes of a small object (a manifest), or empty when there is none. */
    public Optional<byte[]> read(S3Uri uri) {
        return withRetries("get " + uri, () -> {
            try (InputStream in = client.getObject(GetObjectArgs.builder().bucket(uri.bucket()).object(uri.key()).build())) {
                return Optional.of(in.readAllBytes());
            } catch (ErrorResponseException e) {
                if (MISSING_CODES.contains(e.errorResponse().code())) {
                    return Optional.empty();
                }
                throw e;
            }
        });
    }

    /**
     * Streams an object to {@code target}, telling {@code transferred} each piece's size; a listener that
     * throws stops the download (and is not retried). A retried download starts again from the beginning.
     *
     * @return the SHA-256 (hex) of the bytes written, hashed as they stream by, so nobody reads the file twice
     */
    public String download(S3Uri uri, Path target, LongConsumer transferred) {
        Path partial = target.resolveSibling(target.getFileName() + ".part");
        return withRetries("get " + uri, () -> {
            // a fresh digest per attempt: a retry starts from the first byte
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            try (InputStream in = client.getObject(GetObjectArgs.builder().bucket(uri.bucket()).object(uri.key()).build());
                 OutputStream out = Files.newOutputStream(partial)) {
                byte[] buffer = new byte[COPY_BUFFER];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    out.write(buffer, 0, n);
                    sha256.update(buffer, 0, n);
                    transferred.accept(n);
                }
            } catch (ErrorResponseException e) {
                if (MISSING_CODES.contains(e.errorResponse().code())) {
                    throw new InvalidInputException(uri + ": no such object");
                }
                throw e;
            }
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
            return HexFormat.of().formatHex(sha256.digest());
        });
    }

    /** Uploads a file; the object appears whole or not at all (multipart for large files). */
    public void upload(Path file, S3Uri uri, String contentType) {
        long size = size(file);
        withRetries("put " + uri, () -> {
            try (InputStream in = Files.newInputStream(file)) {
                client.putObject(PutObjectArgs.builder().bucket(uri.bucket()).object(uri.key())
                        .stream(in, size, -1).contentType(contentType).build());
            }
            return null;
        });
    }

    public void put(byte[] content, S3Uri uri, String contentType) {
        withRetries("put " + uri, () -> {
            client.putObject(PutObjectArgs.builder().bucket(uri.bucket()).object(uri.key())
                    .stream(new ByteArrayInputStream(content), content.length, -1).contentType(contentType).build());
            return null;
        });
    }

    /** Creates the bucket unless it exists. */
    public void ensureBucket(String bucket) {
        withRetries("create bucket " + bucket, () -> {
            if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
                try {
                    client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
                } catch (ErrorResponseException e) {
                    // another worker made it meanwhile
                    if (!Set.of("BucketAlreadyOwnedByYou", "BucketAlreadyExists").contains(e.errorResponse().code())) {
                        throw e;
                    }
                }
            }
            return null;
        });
    }

    /** True when storage answers at all (for readiness); any S3 answer, even a refusal, counts. */
    public boolean answers() {
        return problem().isEmpty();
    }

    /** Why storage does not answer at all, or empty when it answers (even with a refusal). */
    public java.util.Optional<String> problem() {
        try {
            client.bucketExists(BucketExistsArgs.builder().bucket("quantforge-readiness-probe").build());
            return java.util.Optional.empty();
        } catch (ErrorResponseException e) {
            return java.util.Optional.empty();
        } catch (Exception e) {
            return java.util.Optional.of("object storage at " + endpoint + " does not answer: " + e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new StorageException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private <T> T withRetries(String what, StorageCall<T> call) {
        try {
            return retrier.call(() -> {
                try {
                    return call.run();
                } catch (Exception e) {
                    if (isTransient(e)) {
                        LOG.warnf("S3 %s: %s (will retry)", what, oneLine(e));
                    }
                    throw e;
                }
            }, ObjectStore::isTransient);
        } catch (InvalidInputException | StorageException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("S3 " + what + " interrupted", e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            String tries = isTransient(e) ? " after " + retrier.attempts() + " attempts" : "";
            throw new StorageException("S3 " + what + " failed" + tries + ": " + oneLine(e), e);
        }
    }

    static boolean isTransient(Exception e) {
        if (e instanceof ErrorResponseException r) {
            return TRANSIENT_CODES.contains(r.errorResponse().code()) || r.response().code() >= 500;
        }
        return e instanceof IOException || e instanceof ServerException || e instanceof InsufficientDataException
                || e instanceof InvalidResponseException;
    }

    private static String oneLine(Exception e) {
        if (e instanceof ErrorResponseException r) {
            return r.errorResponse().code() + " (" + r.errorResponse().message() + ")";
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.lines().findFirst().orElse(message);
    }

    @FunctionalInterface
    private interface StorageCall<T> {
        T run() throws Exception;
    }
}
