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
import java.util.List;
import java.util.Optional;

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

    /** The running postmaster, from the first line of its own pid file in the data directory. */
    private static Optional<ProcessHandle> postmaster(Path data) {
        try {
            String pid = Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim();
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
