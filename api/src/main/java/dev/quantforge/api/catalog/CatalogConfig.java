package dev.quantforge.api.catalog;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** {@code qf.catalog.*}. */
@ConfigMapping(prefix = "qf.catalog")
public interface CatalogConfig {

    /** How long a download link (a presigned S3 URL) stays valid. */
    @WithDefault("5m")
    Duration downloadExpiry();
}
