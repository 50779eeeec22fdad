package dev.quantforge.api.storage;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The S3-compatible object storage holding source models and results. */
@ConfigMapping(prefix = "quantforge.s3")
public interface StorageConfig {

    /** e.g. http://127.0.0.1:18333; path-style addressing is used, as S3 servers other than AWS expect. */
    String endpoint();

    @WithDefault("us-east-1")
    String region();

    String accessKey();

    String secretKey();

    /** Where workers put the variants: {@code <bucket>/<model>/<job>/<variant>/}. */
    String resultsBucket();

    /**
     * Largest evaluation text a job may name, in bytes; set from the same variable as the workers'
     * limit (QF_BENCHMARK_MAX_EVAL_TEXT_BYTES), so a text accepted here is accepted there.
     */
    @WithDefault("1048576")
    long maxEvalTextBytes();

    /** Create the results bucket at startup when it is missing. */
    @WithDefault("true")
    boolean createResultsBucket();
}
