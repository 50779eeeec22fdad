package dev.quantforge.api.storage;

import dev.quantforge.common.config.S3Settings;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The S3-compatible object storage holding source models and results: the workers' {@code qf.s3.*} and the API's own. */
@ConfigMapping(prefix = "qf.s3")
public interface StorageConfig extends S3Settings {

    /** Where workers put the variants: {@code <bucket>/<model>/<job>/<variant>/}. */
    @WithDefault("quantforge-results")
    String resultsBucket();

    /** Create the results bucket at startup when it is missing. */
    @WithDefault("true")
    boolean createResultsBucket();
}
