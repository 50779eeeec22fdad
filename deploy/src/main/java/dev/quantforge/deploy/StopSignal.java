package dev.quantforge.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;

/** How a process of the stack is asked to shut down before it is killed. */
public enum StopSignal {
    /** SIGTERM: a JVM runs its shutdown hooks (Kafka does a controlled shutdown). */
    TERM,
    /**
     * SIGINT: PostgreSQL's "fast" shutdown, which rolls back open sessions instead of waiting for
     * clients to leave as SIGTERM's "smart" shutdown would.
     */
    INT;

    void send(ProcessHandle process) {
        if (this == TERM) {
            process.destroy();
            return;
        }
        // The JDK can only send SIGTERM and SIGKILL.
        try {
            new ProcessBuilder("kill", "-s", name(), Long.toString(process.pid()))
                    .inheritIO()
                    .start()
                    .waitFor();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kill for pid " + process.pid(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
