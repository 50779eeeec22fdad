package dev.quantforge.api.webhooks;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;

/** {@code qf.webhooks.*}: how deliveries are sent and retried. */
@ConfigMapping(prefix = "qf.webhooks")
public interface WebhooksConfig {

    /**
     * The waits before each retry of a failed delivery; the first attempt is immediate, and a delivery whose last
     * retry fails too has failed. The default spans a little more than a day (Standard Webhooks' schedule).
     */
    @WithDefault("5s,5m,30m,2h,5h,10h,10h")
    List<Duration> retryDelays();

    /** A webhook is disabled when this many deliveries in a row failed every attempt. */
    @WithDefault("5")
    int disableAfter();

    /** How often the dispatcher looks for due deliveries. */
    @WithDefault("1s")
    Duration pollInterval();

    /** Deliveries sent per round (in parallel). */
    @WithDefault("50")
    int batchSize();

    /** How long a receiver may take to answer; a slower answer is a failed attempt. */
    @WithDefault("10s")
    Duration timeout();

    /** Send deliveries from this instance (off for an instance that must not call out). */
    @WithDefault("true")
    boolean dispatch();
}
