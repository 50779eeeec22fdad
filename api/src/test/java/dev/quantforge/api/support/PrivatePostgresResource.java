package dev.quantforge.api.support;

import dev.quantforge.deploy.StackSettings;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The local stack's Kafka and S3 ({@link LocalStackResource}) with a PostgreSQL of the test's own: a cluster
 * in a temporary directory on a free port, run with the stack's PostgreSQL binaries, which a test may stop and
 * start again ({@link #stopDatabase}, {@link #startDatabase}) without touching the shared stack's server.
 */
public final class PrivatePostgresResource implements QuarkusTestResourceLifecycleManager {

    private static final Path UNSHARE = Path.of("/usr/bin/unshare");

    private static volatile PrivatePostgresResource running;

    private final LocalStackResource stack = new LocalStackResource();
    private Path bin;
    private Path home;
    private int port;

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(stack.start());
        try {
            bin = binaries();
            home = Files.createTempDirectory("quantforge-private-postgres");
            port = freePort();
            run("initdb", List.of(bin.resolve("initdb").toString(), "-D", data().toString(), "-U", "postgres",
                    "-A", "trust", "-E", "UTF8", "--no-sync"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        startServer();
        running = this;
        config.put("qf.db.url", "jdbc:postgresql://127.0.0.1:" + port + "/postgres");
        config.put("qf.db.user", "postgres");
        return config;
    }

    @Override
    public void stop() {
        running = null;
        try {
            pgCtl("stop", "-m", "immediate");
        } catch (IllegalStateException e) {
            System.err.println("private postgres: " + e.getMessage());
        }
        stack.stop();
        delete(home);
    }

    /** Stops the test's PostgreSQL at once, as a crash would (no checkpoint, clients cut off). */
    public static void stopDatabase() {
        current().pgCtl("stop", "-m", "immediate");
    }

    /** Starts it again on the same port and data. */
    public static void startDatabase() {
        current().startServer();
    }

    private static PrivatePostgresResource current() {
        PrivatePostgresResource resource = running;
        if (resource == null) {
            throw new IllegalStateException("the private PostgreSQL is not set up");
        }
        return resource;
    }

    private void startServer() {
        pgCtl("start", "-l", home.resolve("postgres.log").toString(),
                "-o", "-p " + port + " -c listen_addresses=127.0.0.1 -k " + home);
    }

    private void pgCtl(String command, String... options) {
        List<String> cli = new ArrayList<>(List.of(bin.resolve("pg_ctl").toString(), command, "-D", data().toString(),
                "-w", "-t", "60"));
        cli.addAll(List.of(options));
        run("pg_ctl " + command, cli);
    }

    private Path data() {
        return home.resolve("data");
    }

    /** PostgreSQL refuses to run as root; as root it runs in a user namespace of its own, as the stack runs it. */
    private void run(String what, List<String> command) {
        List<String> cli = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name")) && Files.isExecutable(UNSHARE)) {
            cli.addAll(List.of(UNSHARE.toString(), "-U"));
        }
        cli.addAll(command);
        try {
            Process process = new ProcessBuilder(cli).redirectErrorStream(true)
                    .redirectOutput(home.resolve(what.replace(' ', '-') + ".out").toFile()).start();
            if (!process.waitFor(90, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException(what + " failed: "
                        + Files.readString(home.resolve(what.replace(' ', '-') + ".out")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The binaries the local stack unpacked (LocalStackResource has brought it up). */
    private static Path binaries() throws IOException {
        Path root = Path.of(System.getProperty("quantforge.root", "..")).toAbsolutePath().normalize();
        StackSettings settings = StackSettings.parse(List.of(), System.getenv(), root.resolve(".quantforge").resolve("stack"));
        try (Stream<Path> dists = Files.list(settings.dataDir().resolve("postgres").resolve("dist"))) {
            return dists.map(d -> d.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("pg_ctl"))).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no PostgreSQL binaries under " + settings.dataDir()));
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            return socket.getLocalPort();
        }
    }

    private static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("cannot delete " + dir + ": " + e.getMessage());
        }
    }
}
