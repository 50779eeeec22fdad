package dev.quantforge.cli;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real OCI registry for a test class: Debian's docker-registry (CNCF distribution 2.8), on a free loopback port,
 * storage in a temporary directory, with or without htpasswd auth (user {@value #USER}, password {@value #PASSWORD}:
 * the bcrypt entry in {@code registry/htpasswd} was made once with {@code htpasswd -Bbn -C 10} from apache2-utils).
 * Tests are skipped where the binary is not installed ({@code apt-get install docker-registry}; .ci/run does it).
 */
final class TestRegistry implements AutoCloseable {
    static final Path BINARY = Path.of(System.getenv().getOrDefault("QF_REGISTRY_BIN", "/usr/bin/docker-registry"));
    static final String USER = "quantforge";
    static final String PASSWORD = "registry-test-password";

    final int port;
    final Path dir;
    private final Process process;

    private TestRegistry(int port, Path dir, Process process) {
        this.port = port;
        this.dir = dir;
        this.process = process;
    }

    static TestRegistry start(Path dir, boolean auth) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(BINARY), BINARY + " is not installed");
        int port;
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            port = socket.getLocalPort();
        }
        Files.createDirectories(dir);
        StringBuilder yaml = new StringBuilder("version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\n")
                .append("storage:\n  filesystem:\n    rootdirectory: ").append(dir.resolve("data")).append('\n')
                .append("http:\n  addr: 127.0.0.1:").append(port).append("\n  secret: test\n");
        if (auth) {
            Path htpasswd = dir.resolve("htpasswd");
            try (var in = TestRegistry.class.getResourceAsStream("/registry/htpasswd")) {
                Files.write(htpasswd, in.readAllBytes());
            }
            yaml.append("auth:\n  htpasswd:\n    realm: test\n    path: ").append(htpasswd).append('\n');
        }
        Path config = Files.writeString(dir.resolve("config.yml"), yaml);
        Process process = new ProcessBuilder(BINARY.toString(), "serve", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        TestRegistry registry = new TestRegistry(port, dir, process);
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                int status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status == (auth ? 401 : 200)) {
                    return registry;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (!process.isAlive() || System.nanoTime() > deadline) {
                registry.close();
                throw new IllegalStateException("the registry did not start; see " + dir.resolve("registry.log"));
            }
            Thread.sleep(100);
        }
    }

    String address() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
