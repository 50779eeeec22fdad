package dev.quantforge.api.storage;

import dev.quantforge.api.problems.ProblemException;
import dev.quantforge.api.problems.ProblemType;
import dev.quantforge.common.jobs.S3Uri;
import dev.quantforge.common.jobs.SourceFormat;
import io.minio.BucketExistsArgs;
import io.minio.MinioClient;
import io.minio.StatObjectArgs;
import io.minio.errors.ErrorResponseException;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.OptionalLong;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Checks that what a job reads is in object storage before the job is accepted: its source model
 * and its own evaluation text, if it names one. What was found is remembered for {@code qf.source-check.cache-ttl}.
 */
@ApplicationScoped
public class SourceModels {

    private static final Logger LOG = Logger.getLogger(SourceModels.class);
    /** The file every Hugging Face checkpoint directory has, and the converter reads first. */
    static final String HF_CONFIG = "config.json";
    private static final Set<String> MISSING = Set.of("NoSuchKey", "NoSuchBucket", "NoSuchObject");

    private final MinioClient s3;
    private final long maxEvalTextBytes;
    private final FoundObjects found;

    public SourceModels(MinioClient s3, EvalTextConfig limit, SourceCheckConfig check) {
        this.s3 = s3;
        this.maxEvalTextBytes = limit.maxEvalTextBytes();
        this.found = new FoundObjects(check.cacheTtl().toNanos(), System::nanoTime);
    }

    /** A 422 problem when the model is not there, 503 when storage cannot be asked. */
    public void requireExists(S3Uri source, SourceFormat format) {
        S3Uri object = format == SourceFormat.HF ? source.resolve(HF_CONFIG)
                : format == SourceFormat.ONNX ? SourceFormat.onnxModelObject(source) : source;
        String missing = format == SourceFormat.HF ? "no " + HF_CONFIG + " under " + source
                + " (an hf source is a Hugging Face checkpoint directory)"
                : "no object at " + object;
        requireObject(object, ProblemType.SOURCE_NOT_FOUND, missing);
    }

    /** A 422 problem when the evaluation text is not there or too large, 503 when storage cannot be asked. */
    public void requireEvalText(S3Uri text) {
        long bytes = requireObject(text, ProblemType.EVAL_TEXT_NOT_FOUND, "no evaluation text (evalText) at " + text);
        if (bytes > maxEvalTextBytes) {
            throw new ProblemException(ProblemType.EVAL_TEXT_TOO_LARGE, "the evaluation text (evalText) at " + text
                    + " has " + bytes + " bytes; at most " + maxEvalTextBytes + " are allowed");
        }
    }

    /** The object's size. */
    private long requireObject(S3Uri object, ProblemType notFound, String missing) {
        OptionalLong remembered = found.bytes(object);
        if (remembered.isPresent()) {
            return remembered.getAsLong();
        }
        try {
            long bytes = s3.statObject(StatObjectArgs.builder().bucket(object.bucket()).object(object.key()).build())
                    .size();
            found.found(object, bytes);
            return bytes;
        } catch (ErrorResponseException e) {
            String code = e.errorResponse().code();
            if (!MISSING.contains(code)) {
                throw unavailable(object, e);
            }
            // A HEAD answer has no body, so a missing bucket looks like a missing key: ask.
            boolean noBucket = "NoSuchBucket".equals(code) || !bucketExists(object.bucket());
            String detail = noBucket ? "bucket '" + object.bucket() + "' does not exist" : missing;
            throw new ProblemException(notFound, detail);
        } catch (Exception e) {
            throw unavailable(object, e);
        }
    }

    private boolean bucketExists(String bucket) {
        try {
            return s3.bucketExists(BucketExistsArgs.builder().bucket(bucket).build());
        } catch (Exception e) {
            throw unavailable(new S3Uri(bucket, ""), e);
        }
    }

    private static ProblemException unavailable(S3Uri object, Exception e) {
        LOG.warnf("cannot check %s: %s", object, e.toString());
        return new ProblemException(ProblemType.STORAGE_UNAVAILABLE,
                "object storage did not answer whether " + object + " exists; try again later");
    }
}
