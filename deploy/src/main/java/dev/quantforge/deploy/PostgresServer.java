package dev.quantforge.deploy;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * PostgreSQL from Zonky's embedded binaries (taken from a Maven artifact, unpacked once under the
 * data directory). Zonky runs initdb on the first start and starts the postmaster through pg_ctl,
 * which detaches it, so the server outlives this JVM. As root, Zonky runs every PostgreSQL command
 * under {@code unshare -U}: inside that user namespace the process is not uid 0, which initdb and
 * postgres insist on.
 */
final class PostgresServer implements LocalServer {

    static final String SUPERUSER = "postgres";

    private final StackSettings settings;

    PostgresServer(StackSettings settings) {
        this.settings = settings;
    }

    @Override
    public String name() {
        return "postgres";
    }

    @Override
    public List<Integer> ports() {
        return List.of(settings.postgresPort());
    }

    @Override
    public ProcessHandle start() throws IOException {
        Path home = settings.dataDir().resolve("postgres");
        Path data = home.resolve("data");
        Files.createDirectories(home);
        stopOrphans(data);
        removeStaleLockFiles(data);
        Redirect toLog = Redirect.appendTo(log().toFile());
        Files.createDirectories(log().getParent());
        try {
            // Deliberately not closed: closing stops the server, which must keep running after we exit.
            EmbeddedPostgres.builder()
                    .setOverrideWorkingDirectory(home.resolve("dist").toFile())
                    .setDataDirectory(data)
                    .setCleanDataDirectory(false)
                    .setRegisterShutdownHook(false)
                    .setPort(settings.postgresPort())
                    .setServerConfig("listen_addresses", StackSettings.HOST)
                    .setOutputRedirector(toLog)
                    .setErrorRedirector(toLog)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .start();
        } catch (IOException | RuntimeException e) {
            // Zonky can give up waiting while the postmaster it launched lives on: stop that one too.
            postmaster(data).ifPresent(StopSignal.INT::send);
            throw e;
        }
        return postmaster(data)
                .orElseThrow(() -> new IOException("postgres exited right after starting; see " + log()));
    }

    /**
     * The backends of a postmaster killed with SIGKILL live on for a while and keep its shared memory, which a new
     * postmaster refuses to share ("pre-existing shared memory block is still in use"). Every PostgreSQL process
     * works in the data directory, so those are the processes whose working directory it is. Called only when no
     * postmaster of this stack runs.
     */
    private static void stopOrphans(Path data) throws IOException {
        if (!Files.isDirectory(data) || !Files.isDirectory(Path.of("/proc/self"))) {
            return;
        }
        Path real = data.toRealPath();
        List<ProcessHandle> orphans = new ArrayList<>();
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            for (Path process : processes.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    if (Files.readSymbolicLink(process.resolve("cwd")).equals(real)) {
                        ProcessHandle.of(Long.parseLong(process.getFileName().toString())).ifPresent(orphans::add);
                    }
                } catch (IOException | SecurityException gone) {
                    // exited meanwhile, or not ours to read
                }
            }
        }
        orphans.forEach(ProcessHandle::destroyForcibly);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (orphans.stream().anyMatch(ProcessRegistry::isRunning) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * A postmaster killed with SIGKILL leaves its lock files (postmaster.pid, and the socket's in /tmp), and until
     * pid 1 reaps it, its pid is a zombie that PostgreSQL's own check (kill 0) takes for a live postmaster: "lock
     * file ... already exists".
     */
    private void removeStaleLockFiles(Path data) throws IOException {
        Path socket = Path.of("/tmp", ".s.PGSQL." + settings.postgresPort());
        Path socketLock = Path.of(socket + ".lock");
        for (Path lock : List.of(data.resolve("postmaster.pid"), socketLock)) {
            Optional<ProcessHandle> owner = firstLinePid(lock);
            if (owner.isPresent() && !ProcessRegistry.isRunning(owner.get())) {
                Files.deleteIfExists(lock);
                if (lock.equals(socketLock)) {
                    Files.deleteIfExists(socket);
                }
            }
        }
    }

    /** The running postmaster, from the first line of its own pid file in the data directory. */
    private static Optional<ProcessHandle> postmaster(Path data) {
        return firstLinePid(data.resolve("postmaster.pid"));
    }

    /** The process named by the first line of a PostgreSQL lock file, if that file and process exist. */
    private static Optional<ProcessHandle> firstLinePid(Path lockFile) {
        try {
            String pid = Files.readAllLines(lockFile).get(0).trim();
            return ProcessHandle.of(Long.parseLong(pid));
        } catch (IOException | IndexOutOfBoundsException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Override
    public void probe() throws Exception {
        try (Connection connection = DriverManager.getConnection(settings.jdbcUrl(), SUPERUSER, "");
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("select 1")) {
            result.next();
        }
    }

    @Override
    public String endpoint() {
        return settings.jdbcUrl() + "  (user " + SUPERUSER + ", no password)";
    }

    @Override
    public StopSignal stopSignal() {
        return StopSignal.INT;
    }

    @Override
    public Path log() {
        return settings.logDir().resolve("postgres.log");
    }
}
