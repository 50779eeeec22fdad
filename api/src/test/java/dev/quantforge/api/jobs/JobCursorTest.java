package dev.quantforge.api.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class JobCursorTest {

    @Test
    void aCursorRoundTrips() {
        JobCursor cursor = new JobCursor(Instant.parse("2026-11-29T01:02:03.123456Z"), UUID.randomUUID());
        assertEquals(Optional.of(cursor), JobCursor.decode(cursor.encode()));
    }

    @Test
    void garbageIsNoCursor() {
        assertTrue(JobCursor.decode("zzz").isEmpty());
        assertTrue(JobCursor.decode("").isEmpty());
        assertTrue(JobCursor.decode("bm90OmEtdXVpZA").isEmpty());
    }
}
