package dev.quantforge.deploy;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starts the server processes: output appended to a log file, no terminal, no ties to this JVM. */
final class DetachedProcess {

    // A new session keeps a Ctrl-C or a closed terminal of the `up` command from reaching the servers.
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private DetachedProcess() {
    }

    /** The java launcher of the running JVM, so every server JVM runs on the same Java. */
    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static ProcessHandle start(List<String> command, Path log) throws IOException {
        List<String> detached = new ArrayList<>();
        if (Files.isExecutable(SETSID)) {
            // setsid execs in place (it only forks when already a group leader, which a child of the
            // JVM is not), so the pid we get is the server's own.
            detached.add(SETSID.toString());
        }
        detached.addAll(command);
        return builder(detached, log).start().toHandle();
    }

    /** Runs a one-off command to completion (e.g. formatting storage); returns its exit code. */
    static int run(String what, List<String> command, Path log, long timeoutSeconds) throws IOException {
        Process process = builder(command, log).start();
        try {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(what + " did not finish within "
                        + timeoutSeconds + " s; see " + log);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted during " + what, e);
        }
        return process.exitValue();
    }

    private static ProcessBuilder builder(List<String> command, Path log) throws IOException {
        Files.createDirectories(log.getParent());
        return new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    }
}
