package dev.quantforge.api.storage;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** {@code qf.source-check.*}: how the API checks, at submit, that what a job reads is in object storage. */
@ConfigMapping(prefix = "qf.source-check")
public interface SourceCheckConfig {

    /**
     * How long an object found by a check counts as there without asking S3 again (0: ask on every submit). Within
     * it a job for an object deleted meanwhile is accepted, and its tasks fail at the worker with the reason, as
     * they would had it been deleted just after the submit. A missing object is never remembered.
     */
    @WithDefault("10s")
    Duration cacheTtl();
}
