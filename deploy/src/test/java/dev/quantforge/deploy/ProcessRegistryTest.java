package dev.quantforge.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an API or worker process relies on when it registers itself for `down`. */
class ProcessRegistryTest {

    @TempDir
    Path pidDir;

    @Test
    void aRegisteredProcessIsFoundAndStopped() throws Exception {
        ProcessRegistry registry = new ProcessRegistry(pidDir);
        Process sleeper = new ProcessBuilder("sleep", "300").start();
        try {
            registry.register("worker", sleeper.toHandle());

            assertEquals(List.of("worker"), registry.names());
            assertEquals(sleeper.pid(), registry.find("worker").orElseThrow().pid());
            assertTrue(registry.stop("worker", StopSignal.TERM, Duration.ofSeconds(10)));
            // stop returns once the process has exited; this JVM reaps its own child a moment later
            assertTrue(sleeper.waitFor(5, TimeUnit.SECONDS), "sleep still runs after stop");
            assertEquals(List.of(), registry.names());
        } finally {
            sleeper.destroyForcibly();
        }
    }

    @Test
    void aPidFileOfAnExitedProcessIsForgotten() throws Exception {
        ProcessRegistry registry = new ProcessRegistry(pidDir);
        Process done = new ProcessBuilder("true").start();
        done.waitFor();
        // The plain form other programs may write: just the pid.
        Files.writeString(pidDir.resolve("api.pid"), done.pid() + "\n");

        assertTrue(registry.find("api").isEmpty());
        assertFalse(registry.stop("api", StopSignal.TERM, Duration.ofSeconds(1)));
        assertEquals(List.of(), registry.names());
    }
}
