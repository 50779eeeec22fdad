package dev.quantforge.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The pid directory of a local stack: one file {@code <name>.pid} per process that {@code down}
 * must stop. The servers are registered by {@link LocalStack}; any other long-lived process (the
 * API, a worker) registers the same way and is stopped first on {@code down}.
 *
 * <p>File format: the decimal pid on the first line; optionally the process start instant
 * (ISO-8601) on the second, which keeps a recycled pid from being mistaken for the process.
 */
public final class ProcessRegistry {

    private static final String SUFFIX = ".pid";
    private static final Duration EXIT_POLL = Duration.ofMillis(50);

    private final Path dir;

    public ProcessRegistry(Path dir) {
        this.dir = dir;
    }

    public void register(String name, ProcessHandle process) {
        String started = process.info().startInstant().map(Instant::toString).orElse("");
        try {
            Files.createDirectories(dir);
            Path temp = Files.createTempFile(dir, name, ".tmp");
            Files.writeString(temp, process.pid() + "\n" + started + "\n");
            Files.move(temp, file(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write pid file " + file(name), e);
        }
    }

    /** The registered process if it still runs; a stale pid file is removed. */
    public Optional<ProcessHandle> find(String name) {
        Path file = file(name);
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            return Optional.empty();
        }
        Optional<ProcessHandle> process = parse(lines).filter(ProcessRegistry::isRunning);
        if (process.isEmpty()) {
            forget(name);
        }
        return process;
    }

    /** Names of all registered processes, running or not, sorted. */
    public List<String> names() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(SUFFIX))
                    .map(n -> n.substring(0, n.length() - SUFFIX.length()))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list pid directory " + dir, e);
        }
    }

    /**
     * Asks the process to stop with {@code signal}, waits up to {@code grace}, then kills it and
     * what it started. Returns false if it was not running.
     */
    public boolean stop(String name, StopSignal signal, Duration grace) {
        Optional<ProcessHandle> found = find(name);
        if (found.isEmpty()) {
            return false;
        }
        ProcessHandle process = found.get();
        List<ProcessHandle> descendants = process.descendants().toList();
        signal.send(process);
        if (!awaitExit(process, grace)) {
            descendants.forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            awaitExit(process, Duration.ofSeconds(10));
        }
        forget(name);
        return true;
    }

    /**
     * Alive and not a zombie. A server killed with {@code kill -9} stays a zombie until its parent reaps it, and
     * the servers' parent is whatever adopted them (init, a container's pid 1, a session's subreaper), which may
     * take its time or never do it; {@link ProcessHandle#isAlive} counts a zombie as alive, so a server killed that
     * way would pass for running and not be restarted.
     */
    static boolean isRunning(ProcessHandle process) {
        if (!process.isAlive()) {
            return false;
        }
        Path stat = Path.of("/proc", Long.toString(process.pid()), "stat");
        String line;
        try {
            line = Files.readString(stat);
        } catch (IOException e) {
            // no procfs (not Linux): isAlive is all there is to go by; gone meanwhile: not running
            return !Files.isDirectory(Path.of("/proc", "self")) && process.isAlive();
        }
        // "pid (comm) S ...": the command may hold spaces and parentheses, the state follows the last ')'
        int close = line.lastIndexOf(')');
        char state = close >= 0 && close + 2 < line.length() ? line.charAt(close + 2) : '?';
        return state != 'Z' && state != 'X' && state != 'x';
    }

    private void forget(String name) {
        try {
            Files.deleteIfExists(file(name));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete pid file " + file(name), e);
        }
    }

    private Path file(String name) {
        return dir.resolve(name + SUFFIX);
    }

    private static Optional<ProcessHandle> parse(List<String> lines) {
        if (lines.isEmpty()) {
            return Optional.empty();
        }
        Optional<ProcessHandle> process;
        try {
            process = ProcessHandle.of(Long.parseLong(lines.get(0).trim()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (lines.size() < 2 || lines.get(1).isBlank()) {
            return process;
        }
        try {
            Instant recorded = Instant.parse(lines.get(1).trim());
            return process.filter(p -> p.info().startInstant().map(recorded::equals).orElse(true));
        } catch (DateTimeParseException e) {
            return process;
        }
    }

    /** Polls rather than waits on onExit, which would also wait for a zombie to be reaped by someone else. */
    private static boolean awaitExit(ProcessHandle process, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isRunning(process)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(EXIT_POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !isRunning(process);
            }
        }
        return true;
    }
}
