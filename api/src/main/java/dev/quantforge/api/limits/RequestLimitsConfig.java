package dev.quantforge.api.limits;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Bounds on what a client may send, each refused with a problem+json naming the part (api/README.md). */
@ConfigMapping(prefix = "qf.requests")
public interface RequestLimitsConfig {

    /** The largest request body, in bytes; a job request is a few hundred. */
    @WithDefault("65536")
    int maxBodyBytes();

    /** How deep JSON may nest (objects and arrays); a job request needs 5. */
    @WithDefault("32")
    int maxJsonDepth();
}
