package dev.quantforge.api.events;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

@ConfigMapping(prefix = "qf.events")
public interface EventsConfig {

    /** Consume the workers' task events (off only for an instance that must not write job state). */
    @WithDefault("true")
    boolean consume();

    /** The API instances' consumer group: each event is applied by one of them. */
    @WithDefault("quantforge-api")
    String group();

    /** How long to wait before retrying an event whose transaction failed (database down). */
    @WithDefault("2s")
    Duration retryDelay();
}
