package dev.quantforge.worker.retry;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RetrierTest {
    private final Retrier retrier = new Retrier(3, Duration.ofMillis(1), Duration.ofMillis(2));

    @Test
    void transientFaultsAreTriedAgainUntilTheActionWorks() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        String result = retrier.call(() -> {
            if (calls.incrementAndGet() < 3) {
                throw new IOException("connection reset");
            }
            return "done";
        }, e -> e instanceof IOException);
        assertEquals("done", result);
        assertEquals(3, calls.get());
    }

    @Test
    void theLastTransientFaultIsThrownAfterTheLastAttempt() {
        AtomicInteger calls = new AtomicInteger();
        IOException fault = new IOException("connection refused");
        IOException thrown = assertThrows(IOException.class, () -> retrier.call(() -> {
            calls.incrementAndGet();
            throw fault;
        }, e -> e instanceof IOException));
        assertSame(fault, thrown);
        assertEquals(3, calls.get());
    }

    @Test
    void otherFaultsAreThrownAtOnce() {
        AtomicInteger calls = new AtomicInteger();
        assertThrows(IllegalStateException.class, () -> retrier.call(() -> {
            calls.incrementAndGet();
            throw new IllegalStateException("no such object");
        }, e -> e instanceof IOException));
        assertEquals(1, calls.get());
    }
}
