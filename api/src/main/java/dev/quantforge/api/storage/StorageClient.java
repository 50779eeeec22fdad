package dev.quantforge.api.storage;

import io.minio.MinioClient;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.concurrent.TimeUnit;

/** The S3 client, made once from the configuration. */
public final class StorageClient {

    @Produces
    @Singleton
    MinioClient minio(StorageConfig config) {
        MinioClient client = MinioClient.builder()
                .endpoint(config.endpoint())
                .region(config.region())
                .credentials(config.accessKey(), config.secretKey())
                .build();
        // The library waits five minutes by default; a request thread should not.
        client.setTimeout(TimeUnit.SECONDS.toMillis(5), TimeUnit.SECONDS.toMillis(30), TimeUnit.SECONDS.toMillis(30));
        return client;
    }
}
