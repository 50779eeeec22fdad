package dev.quantforge.api.jobs;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "qf.submit")
public interface SubmitConfig {

    /**
     * Most submits committed in one transaction. A batch holds what arrived while the previous one was being
     * written, so under light load it is one submit and adds no wait.
     */
    @WithDefault("64")
    int batchSize();
}
