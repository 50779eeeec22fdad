package dev.quantforge.deploy;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The local stack: PostgreSQL, Kafka and an S3 server on loopback, each a long-lived process of
 * its own, started without Docker from jars that the build laid out in {@code deploy/target/stack}.
 *
 * <ul>
 *   <li>{@code up} starts what is not running yet, waits until every server answers and prints the
 *       endpoints (also written to {@code endpoints.properties} in the data directory);
 *   <li>{@code status} tells what runs, how much memory it holds and whether it answers;
 *   <li>{@code down} stops every registered process: API, workers and the like first, then the
 *       servers in the reverse order of need.
 * </ul>
 */
public final class LocalStack {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);
    private static final Duration PROBE_INTERVAL = Duration.ofMillis(200);

    private final StackSettings settings;
    /** In the order the service needs them; stopped in reverse. */
    private final List<LocalServer> servers;
    /** PostgreSQL, Kafka, S3: what the services cannot run without. */
    private final List<LocalServer> core;
    /** The two JVMs boot in the background while Zonky blocks until PostgreSQL answers. */
    private final List<LocalServer> startOrder;
    private final ProcessRegistry registry;

    public LocalStack(StackSettings settings, Path distribution) {
        for (String part : List.of("postgres", "kafka", "s3proxy")) {
            if (!Files.isDirectory(distribution.resolve(part))) {
                throw new IllegalStateException("server jars are missing from " + distribution.resolve(part)
                        + "; build them with ./mvnw -q -pl deploy package -DskipTests");
            }
        }
        this.settings = settings;
        LocalServer postgres = new PostgresServer(settings);
        LocalServer kafka = new KafkaServer(settings, distribution);
        LocalServer s3 = new S3Server(settings, distribution);
        this.core = List.of(postgres, kafka, s3);
        // the registry is optional: it runs when its binary is installed (apt-get install docker-registry)
        Optional<LocalServer> registry = RegistryServer.binary(System.getenv()).map(binary -> new RegistryServer("registry",
                binary, settings.dataDir(), settings.logDir(), settings.registryPort(), null));
        List<LocalServer> all = new ArrayList<>(core);
        registry.ifPresent(all::add);
        this.servers = List.copyOf(all);
        List<LocalServer> order = new ArrayList<>(List.of(kafka, s3));
        registry.ifPresent(order::add);
        order.add(postgres);
        this.startOrder = List.copyOf(order);
        this.registry = new ProcessRegistry(settings.pidDir());
    }

    /** {@code deploy/target/stack}: next to the compiled classes (or the jar) of this module. */
    public static Path defaultDistribution() {
        try {
            Path code = Path.of(LocalStack.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return code.getParent().resolve("stack");
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the deploy module's classes", e);
        }
    }

    public StackSettings settings() {
        return settings;
    }

    public ProcessRegistry registry() {
        return registry;
    }

    /**
     * True if every core server's process runs (whether it answers is {@link #status}'s business); the optional
     * registry does not count, so a stack started before it was installed is still taken as running.
     */
    public boolean isRunning() {
        return core.stream().allMatch(s -> registry.find(s.name()).isPresent());
    }

    public void up(PrintStream out) throws IOException {
        long began = System.nanoTime();
        try (FileChannel lockFile = lockFile(); FileLock lock = lockFile.lock()) {
            Map<LocalServer, ProcessHandle> processes = new LinkedHashMap<>();
            List<LocalServer> startedNow = new ArrayList<>();
            try {
                Map<LocalServer, ProcessHandle> running = new LinkedHashMap<>();
                for (LocalServer server : servers) {
                    registry.find(server.name()).ifPresentOrElse(p -> running.put(server, p),
                            () -> requireFreePorts(server));
                }
                for (LocalServer server : startOrder) {
                    if (running.containsKey(server)) {
                        out.printf("%-8s already running (pid %d)%n", server.name(), running.get(server).pid());
                        processes.put(server, running.get(server));
                        continue;
                    }
                    ProcessHandle process = server.start();
                    registry.register(server.name(), process);
                    startedNow.add(server);
                    processes.put(server, process);
                }
                awaitAnswers(processes, startedNow, began, out);
            } catch (IOException | RuntimeException e) {
                Collections.reverse(startedNow);
                startedNow.forEach(s -> registry.stop(s.name(), s.stopSignal(), STOP_GRACE));
                throw e;
            }
        }
        writeEndpoints();
        out.printf("stack up in %.1f s; data in %s%n", seconds(began), settings.dataDir());
        printEndpoints(out);
    }

    public void down(PrintStream out) throws IOException {
        try (FileChannel lockFile = lockFile(); FileLock lock = lockFile.lock()) {
            List<String> serverNames = servers.stream().map(LocalServer::name).toList();
            for (String name : registry.names()) {
                if (!serverNames.contains(name)) {
                    report(out, name, registry.stop(name, StopSignal.TERM, STOP_GRACE));
                }
            }
            List<LocalServer> reverseOrder = new ArrayList<>(servers);
            Collections.reverse(reverseOrder);
            for (LocalServer server : reverseOrder) {
                report(out, server.name(), registry.stop(server.name(), server.stopSignal(), STOP_GRACE));
            }
        }
    }

    public void status(PrintStream out) {
        List<String> serverNames = servers.stream().map(LocalServer::name).toList();
        for (LocalServer server : servers) {
            Optional<ProcessHandle> process = registry.find(server.name());
            if (process.isEmpty()) {
                out.printf("%-8s stopped%n", server.name());
                continue;
            }
            out.printf("%-8s running (pid %d, %d MiB in memory), %s  %s%n", server.name(), process.get().pid(),
                    memoryKib(process.get()) / 1024, answers(server) ? "answering" : "NOT answering",
                    server.endpoint());
        }
        for (String name : registry.names()) {
            if (!serverNames.contains(name)) {
                registry.find(name).ifPresent(p -> out.printf("%-8s running (pid %d, %d MiB in memory)%n",
                        name, p.pid(), memoryKib(p) / 1024));
            }
        }
    }

    /**
     * Memory of a process and everything it started, in KiB: the sum of their proportional set
     * sizes, so pages they share (PostgreSQL's shared buffers) count once rather than per process.
     */
    public static long memoryKib(ProcessHandle process) {
        return Stream.concat(Stream.of(process), process.descendants())
                .mapToLong(LocalStack::proportionalKib)
                .sum();
    }

    private static long proportionalKib(ProcessHandle process) {
        Path rollup = Path.of("/proc", Long.toString(process.pid()), "smaps_rollup");
        try (Stream<String> lines = Files.lines(rollup)) {
            return lines.filter(l -> l.startsWith("Pss:"))
                    .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", "")))
                    .findFirst()
                    .orElse(0);
        } catch (IOException | UncheckedIOException e) {
            return 0; // exited meanwhile
        }
    }

    /**
     * Probes every server in turn until all answer, so each one's time is when it was ready. A server that ran
     * when {@code up} began but dies before it answers (killed a moment ago, its exit not yet visible) is started
     * again, once, so one {@code up} is enough after a crash.
     */
    private void awaitAnswers(Map<LocalServer, ProcessHandle> processes, List<LocalServer> startedNow,
            long began, PrintStream out) throws IOException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        Map<LocalServer, ProcessHandle> waiting = new LinkedHashMap<>(processes);
        Map<LocalServer, Exception> lastFailure = new LinkedHashMap<>();
        while (!waiting.isEmpty()) {
            for (var it = waiting.entrySet().iterator(); it.hasNext(); ) {
                var entry = it.next();
                LocalServer server = entry.getKey();
                ProcessHandle process = entry.getValue();
                try {
                    server.probe();
                } catch (Exception e) {
                    if (!ProcessRegistry.isRunning(process)) {
                        if (startedNow.contains(server)) {
                            throw new IOException(server.name() + " exited while starting; see " + server.log());
                        }
                        out.printf("%-8s (pid %d) is gone; starting it again%n", server.name(), process.pid());
                        entry.setValue(restart(server));
                        startedNow.add(server);
                    }
                    lastFailure.put(server, e);
                    continue;
                }
                if (!ProcessRegistry.isRunning(process)) {
                    // Something else answers on its port.
                    throw new IOException(server.name() + " exited while starting; see " + server.log());
                }
                it.remove();
                if (startedNow.contains(server)) {
                    out.printf("%-8s started (pid %d), answering %.1f s after up began%n",
                            server.name(), process.pid(), seconds(began));
                }
            }
            if (waiting.isEmpty()) {
                return;
            }
            LocalServer first = waiting.keySet().iterator().next();
            if (System.nanoTime() > deadline) {
                throw new IOException(first.name() + " did not answer within " + START_TIMEOUT.toSeconds()
                        + " s (last: " + lastFailure.get(first) + "); see " + first.log());
            }
            try {
                Thread.sleep(PROBE_INTERVAL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for " + first.name(), e);
            }
        }
    }

    private ProcessHandle restart(LocalServer server) throws IOException {
        requireFreePorts(server);
        ProcessHandle process = server.start();
        registry.register(server.name(), process);
        return process;
    }

    private static boolean answers(LocalServer server) {
        try {
            server.probe();
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static void requireFreePorts(LocalServer server) {
        for (int port : server.ports()) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(InetAddress.getByName(StackSettings.HOST), port));
            } catch (IOException e) {
                throw new IllegalStateException("port " + port + " for " + server.name()
                        + " is taken by another program; stop it or pick other ports (see deploy/README.md)");
            }
        }
    }

    private FileChannel lockFile() throws IOException {
        Files.createDirectories(settings.dataDir());
        return FileChannel.open(settings.dataDir().resolve("stack.lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }

    private void writeEndpoints() throws IOException {
        Files.writeString(settings.dataDir().resolve("endpoints.properties"), String.join("\n",
                "# The running local stack, written by `up`.",
                "jdbc.url=" + settings.jdbcUrl(),
                "jdbc.user=" + PostgresServer.SUPERUSER,
                "kafka.bootstrap.servers=" + settings.kafkaBootstrapServers(),
                "s3.endpoint=" + settings.s3Endpoint(),
                "s3.region=" + S3Server.REGION,
                "s3.access-key=" + settings.s3AccessKey(),
                "s3.secret-key=" + settings.s3SecretKey(),
                servers.stream().anyMatch(s -> s instanceof RegistryServer)
                        ? "registry.address=" + settings.registryAddress() + "\n" : ""));
    }

    private void printEndpoints(PrintStream out) {
        for (LocalServer server : servers) {
            out.printf("  %-8s %s%n", server.name(), server.endpoint());
        }
    }

    private static void report(PrintStream out, String name, boolean stopped) {
        out.printf("%-8s %s%n", name, stopped ? "stopped" : "was not running");
    }

    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }

    /** {@code up | down | status} followed by {@code --name=value} settings (see {@link StackSettings}). */
    public static void main(String[] args) {
        if (args.length == 0 || !List.of("up", "down", "status").contains(args[0])) {
            System.err.println("usage: stack up|down|status [--dir=PATH] [--pg-port=N] [--kafka-port=N]"
                    + " [--kafka-controller-port=N] [--s3-port=N] [--registry-port=N]");
            System.exit(2);
        }
        String command = args[0];
        int exit = 0;
        try {
            StackSettings settings = StackSettings.parse(
                    List.of(args).subList(1, args.length), System.getenv(), Path.of(".quantforge", "stack"));
            LocalStack stack = new LocalStack(settings, defaultDistribution());
            switch (command) {
                case "up" -> stack.up(System.out);
                case "down" -> stack.down(System.out);
                default -> stack.status(System.out);
            }
        } catch (IllegalArgumentException e) {
            System.err.println("stack: " + e.getMessage());
            exit = 2;
        } catch (IOException | RuntimeException e) {
            System.err.println("stack " + command + " failed: " + e.getMessage());
            exit = 1;
        }
        // Client libraries may leave non-daemon threads behind; the servers run on without us.
        System.exit(exit);
    }
}
