package dev.quantforge.worker.retry;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

/**
 * Runs an action again after transient faults, waiting twice as long each time (up to a cap), a bounded
 * number of times; the last fault is thrown as it is. Faults that are not transient are thrown at once.
 */
public final class Retrier {
    private final int attempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;

    public Retrier(int attempts, Duration initialBackoff, Duration maxBackoff) {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1, got " + attempts);
        }
        if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("backoff must be 0 <= initial <= max, got " + initialBackoff + " and " + maxBackoff);
        }
        this.attempts = attempts;
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
    }

    public int attempts() {
        return attempts;
    }

    public <T> T call(Callable<T> action, Predicate<Exception> transientFault) throws Exception {
        Duration wait = initialBackoff;
        for (int attempt = 1; ; attempt++) {
            try {
                return action.call();
            } catch (Exception e) {
                if (attempt >= attempts || !transientFault.test(e)) {
                    throw e;
                }
            }
            Thread.sleep(wait.toMillis());
            wait = wait.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : wait.multipliedBy(2);
        }
    }
}
