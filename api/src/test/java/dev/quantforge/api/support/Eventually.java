package dev.quantforge.api.support;

import java.time.Duration;
import java.util.function.Supplier;

/** Waits for something that happens asynchronously (through Kafka, the outbox, the consumer). */
public final class Eventually {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private Eventually() {
    }

    /** Polls {@code check} until it returns normally; rethrows its last failure after the timeout. */
    public static void holds(Runnable check) {
        get(() -> {
            check.run();
            return true;
        });
    }

    public static <T> T get(Supplier<T> check) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            try {
                return check.get();
            } catch (AssertionError | RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
