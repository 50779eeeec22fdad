package dev.quantforge.engine.quantize;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SoloStartTest {
    private final ExecutorService pool = Executors.newFixedThreadPool(4);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void theFirstValuesRunOneTaskAtATime() throws Exception {
        SoloStart solo = new SoloStart(1000);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        List<Future<Integer>> done = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            // ten tasks of 100 values: the last starts at value 900, still within the first 1000
            done.add(pool.submit(solo.next(() -> {
                most.accumulateAndGet(running.incrementAndGet(), Math::max);
                Thread.sleep(5);
                running.decrementAndGet();
                return 1;
            }, 100)));
        }
        for (Future<Integer> f : done) {
            assertEquals(1, f.get(10, TimeUnit.SECONDS));
        }
        assertEquals(1, most.get(), "tasks within the first values ran side by side");
    }

    @Test
    void tasksAfterTheFirstValuesRunSideBySide() throws Exception {
        SoloStart solo = new SoloStart(1000);
        solo.next(() -> 0, 1000);
        assertTrue(nextTwoMeet(solo), "two tasks past the first values did not run at the same time");
    }

    @Test
    void zeroMeansNoSoloStart() throws Exception {
        assertTrue(nextTwoMeet(new SoloStart(0)));
    }

    /** Whether the next two tasks both run at once: each waits until both have started. */
    private boolean nextTwoMeet(SoloStart solo) throws Exception {
        CountDownLatch bothRunning = new CountDownLatch(2);
        Callable<Boolean> meet = () -> {
            bothRunning.countDown();
            return bothRunning.await(10, TimeUnit.SECONDS);
        };
        Future<Boolean> a = pool.submit(solo.next(meet, 100));
        Future<Boolean> b = pool.submit(solo.next(meet, 100));
        return a.get(20, TimeUnit.SECONDS) && b.get(20, TimeUnit.SECONDS);
    }

    @Test
    void aFailingSoloTaskLetsTheNextOneRun() throws Exception {
        SoloStart solo = new SoloStart(1000);
        Future<Object> failed = pool.submit(solo.next(() -> {
            throw new IllegalStateException("broken row");
        }, 100));
        assertThrows(Exception.class, () -> failed.get(10, TimeUnit.SECONDS));
        assertEquals(7, pool.submit(solo.next(() -> 7, 100)).get(10, TimeUnit.SECONDS));
    }

    @Test
    void refusesANegativeCount() {
        assertThrows(IllegalArgumentException.class, () -> new SoloStart(-1));
    }
}
