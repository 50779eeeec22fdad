package dev.quantforge.api.auth;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A real Keycloak, from its Maven distribution ({@code -Pkeycloak} unpacks it into target/keycloak), in dev mode on
 * free loopback ports, with the realm of {@code src/test/resources/keycloak/quantforge-realm.json} imported; stopped
 * after the tests. Points the API's OIDC settings at it.
 */
public final class KeycloakResource implements QuarkusTestResourceLifecycleManager {

    static final String REALM = "quantforge";
    private static final Duration START_TIMEOUT = Duration.ofMinutes(4);

    private Process keycloak;
    private static String issuer;

    /** The realm's issuer URL, once started. */
    static String issuer() {
        return issuer;
    }

    @Override
    public Map<String, String> start() {
        Path home = distribution();
        try {
            Path imports = Files.createDirectories(home.resolve("data/import"));
            try (var realm = KeycloakResource.class.getResourceAsStream("/keycloak/quantforge-realm.json")) {
                Files.copy(realm, imports.resolve("quantforge-realm.json"), StandardCopyOption.REPLACE_EXISTING);
            }
            int port = freePort();
            Path log = home.resolve("keycloak.log");
            keycloak = new ProcessBuilder(List.of(home.resolve("bin/kc.sh").toString(), "start-dev", "--import-realm",
                    "--http-host=127.0.0.1", "--http-port=" + port, "--http-management-port=" + freePort()))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            issuer = "http://127.0.0.1:" + port + "/realms/" + REALM;
            awaitRealm(URI.create(issuer + "/.well-known/openid-configuration"), log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("qf.oidc.issuer", issuer);
    }

    private void awaitRealm(URI discovery, Path log) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!keycloak.isAlive()) {
                throw new IllegalStateException("Keycloak exited with " + keycloak.exitValue() + "; see " + log);
            }
            try {
                if (http.send(HttpRequest.newBuilder(discovery).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("Keycloak did not serve " + discovery + " within " + START_TIMEOUT + "; see " + log);
    }

    private static Path distribution() {
        Path unpacked = Path.of("target/keycloak").toAbsolutePath();
        if (Files.isDirectory(unpacked)) {
            try (Stream<Path> dirs = Files.list(unpacked)) {
                return dirs.filter(d -> Files.isRegularFile(d.resolve("bin/kc.sh"))).findFirst()
                        .orElseThrow(() -> notUnpacked(unpacked));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw notUnpacked(unpacked);
    }

    private static IllegalStateException notUnpacked(Path where) {
        return new IllegalStateException("no Keycloak distribution under " + where
                + ": run the OIDC test with -Pkeycloak (api/README.md)");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void stop() {
        if (keycloak != null) {
            keycloak.descendants().forEach(ProcessHandle::destroy);
            keycloak.destroy();
            try {
                keycloak.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
