package dev.quantforge.api.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quantforge.common.jobs.S3Uri;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FoundObjectsTest {

    private final AtomicLong clock = new AtomicLong(5);
    private final S3Uri config = new S3Uri("models", "m/config.json");

    @Test
    void aFoundObjectCountsAsThereForTheTtlOnly() {
        FoundObjects found = new FoundObjects(100, clock::get);
        assertEquals(OptionalLong.empty(), found.bytes(config));
        found.found(config, 42);
        clock.addAndGet(99);
        assertEquals(OptionalLong.of(42), found.bytes(config));
        assertEquals(OptionalLong.empty(), found.bytes(new S3Uri("models", "other/config.json")));
        clock.addAndGet(1);
        assertEquals(OptionalLong.empty(), found.bytes(config));
    }

    @Test
    void aZeroTtlRemembersNothing() {
        FoundObjects found = new FoundObjects(0, clock::get);
        found.found(config, 42);
        assertEquals(OptionalLong.empty(), found.bytes(config));
    }

    @Test
    void theMemoryIsBounded() {
        FoundObjects found = new FoundObjects(100, clock::get);
        for (int i = 0; i < FoundObjects.MAX_ENTRIES; i++) {
            found.found(new S3Uri("models", "m" + i), i);
        }
        found.found(config, 42);
        // it started afresh: the earlier objects are asked of S3 again, the newest is kept
        assertEquals(OptionalLong.empty(), found.bytes(new S3Uri("models", "m0")));
        assertEquals(OptionalLong.of(42), found.bytes(config));
    }
}
