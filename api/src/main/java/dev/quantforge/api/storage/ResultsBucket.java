package dev.quantforge.api.storage;

import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/** Makes sure the bucket the workers write to exists, so a fresh installation works at once. */
@ApplicationScoped
public class ResultsBucket {

    private static final Logger LOG = Logger.getLogger(ResultsBucket.class);

    private final MinioClient s3;
    private final StorageConfig config;

    public ResultsBucket(MinioClient s3, StorageConfig config) {
        this.s3 = s3;
        this.config = config;
    }

    void onStart(@Observes StartupEvent start) {
        if (!config.createResultsBucket()) {
            return;
        }
        String bucket = config.resultsBucket();
        try {
            if (!s3.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
                s3.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
                LOG.infof("created results bucket %s", bucket);
            }
        } catch (Exception e) {
            // Not fatal: readiness reports storage as down until it answers.
            LOG.warnf("could not check or create results bucket %s: %s", bucket, e.toString());
        }
    }

    /** True if storage answers and the bucket is there. */
    public boolean exists() throws Exception {
        return s3.bucketExists(BucketExistsArgs.builder().bucket(config.resultsBucket()).build());
    }

    public String name() {
        return config.resultsBucket();
    }
}
