package dev.quantforge.api.outbox;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

@ConfigMapping(prefix = "qf.outbox")
public interface OutboxConfig {

    /** How often the relay looks for rows that no commit woke it for (other instances', retries). */
    @WithDefault("1s")
    Duration pollInterval();

    /** Rows published per transaction. */
    @WithDefault("100")
    int batchSize();

    /** How long published rows are kept (for inspection) before they are deleted. */
    @WithDefault("P7D")
    Duration retention();
}
