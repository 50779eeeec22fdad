package dev.quantforge.deploy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * An OCI registry: CNCF distribution 2.8 as Debian packages it ({@code apt-get install docker-registry}, the binary
 * {@code /usr/bin/docker-registry}), with filesystem storage under the data directory and {@code http.addr} on
 * loopback. Optional: the stack runs it when the binary is there ({@code QF_REGISTRY_BIN} names another one).
 * With an htpasswd file it asks for Basic authentication (bcrypt entries only, as distribution requires).
 */
public final class RegistryServer implements LocalServer {

    public static final Path DEFAULT_BINARY = Path.of("/usr/bin/docker-registry");

    private final String name;
    private final Path binary;
    private final Path home;
    private final int port;
    private final Path log;
    private final Path htpasswd;

    /**
     * @param name     its pid file's name and its directory under {@code dataDir}
     * @param htpasswd bcrypt htpasswd file for Basic auth, or null for none
     */
    public RegistryServer(String name, Path binary, Path dataDir, Path logDir, int port, Path htpasswd) {
        this.name = name;
        this.binary = binary;
        this.home = dataDir.resolve(name);
        this.port = port;
        this.log = logDir.resolve(name + ".log");
        this.htpasswd = htpasswd;
    }

    /** The binary from {@code QF_REGISTRY_BIN}, else Debian's, if it is there. */
    public static Optional<Path> binary(java.util.Map<String, String> env) {
        String configured = env.get("QF_REGISTRY_BIN");
        Path binary = configured == null || configured.isBlank() ? DEFAULT_BINARY : Path.of(configured);
        return Files.isExecutable(binary) ? Optional.of(binary) : Optional.empty();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<Integer> ports() {
        return List.of(port);
    }

    public String endpointUrl() {
        return "http://" + StackSettings.HOST + ":" + port;
    }

    /** {@code HOST:PORT}, as an {@code oci://} reference names it. */
    public String address() {
        return StackSettings.HOST + ":" + port;
    }

    @Override
    public ProcessHandle start() throws IOException {
        Path storage = Files.createDirectories(home.resolve("data"));
        Path config = home.resolve("config.yml");
        StringBuilder yaml = new StringBuilder()
                .append("# Written by dev.quantforge.deploy on every start; edits are lost.\n")
                .append("version: 0.1\n")
                .append("log:\n  level: warn\n  accesslog:\n    disabled: true\n")
                .append("storage:\n  filesystem:\n    rootdirectory: ").append(storage).append('\n')
                .append("  delete:\n    enabled: true\n")
                .append("http:\n  addr: ").append(address()).append('\n')
                // signs upload state between requests of one instance; loopback-only local data
                .append("  secret: quantforge-local-registry\n");
        if (htpasswd != null) {
            yaml.append("auth:\n  htpasswd:\n    realm: quantforge\n    path: ").append(htpasswd.toAbsolutePath()).append('\n');
        }
        Files.writeString(config, yaml.toString());
        return DetachedProcess.start(List.of(binary.toString(), "serve", config.toString()), log);
    }

    /** {@code GET /v2/} must answer as a distribution registry: 200, or 401 when it wants credentials. */
    @Override
    public void probe() throws Exception {
        LocalServer.requireListening(port);
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpResponse<Void> response = client.send(HttpRequest.newBuilder(URI.create(endpointUrl() + "/v2/"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
        boolean api = response.headers().firstValue("Docker-Distribution-Api-Version").orElse("").startsWith("registry/2");
        if (!api || response.statusCode() != (htpasswd == null ? 200 : 401)) {
            throw new IOException("not a registry answer: HTTP " + response.statusCode());
        }
    }

    @Override
    public String endpoint() {
        return endpointUrl() + "  (oci://" + address() + "/REPO:TAG, plain HTTP: --insecure" + (htpasswd == null ? ", no auth)" : ", htpasswd auth)");
    }

    @Override
    public StopSignal stopSignal() {
        return StopSignal.TERM;
    }

    @Override
    public Path log() {
        return log;
    }
}
