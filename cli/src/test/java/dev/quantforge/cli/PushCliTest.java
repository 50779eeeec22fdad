package dev.quantforge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.quantforge.cli.publish.PushCommandAccess;
import dev.quantforge.engine.oci.OciClient;
import dev.quantforge.engine.oci.OciReference;
import dev.quantforge.engine.oci.RegistryException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pushes to a real registry (distribution 2.8) and pulls back what was pushed. */
class PushCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DOCKER_V2 = "application/vnd.docker.distribution.manifest.v2+json";
    private static final String OCI = "application/vnd.oci.image.manifest.v1+json";

    @TempDir
    static Path shared;
    static TestRegistry open;
    static TestRegistry locked;

    @TempDir
    Path dir;

    @BeforeAll
    static void registries() throws Exception {
        open = TestRegistry.start(shared.resolve("open"), false);
        locked = TestRegistry.start(shared.resolve("locked"), true);
    }

    @AfterAll
    static void stop() throws Exception {
        if (open != null) {
            open.close();
        }
        if (locked != null) {
            locked.close();
        }
    }

    @AfterEach
    void environment() {
        PushCommandAccess.environment(System.getenv());
    }

    /** A GGUF of 8 KiB of tensor data and more, so a 4 KiB chunk size makes a chunked upload. */
    private Path variant() {
        return PackageOllamaCliTest.gguf(dir.resolve("tiny-Q8_0.gguf"), true);
    }

    private static OciClient client(TestRegistry registry, OciClient.Credentials credentials) {
        return new OciClient(registry.address(), credentials, true, OciClient.DEFAULT_CHUNK, Duration.ofSeconds(30));
    }

    private static String digestOf(String out) {
        Matcher m = Pattern.compile("as (sha256:[0-9a-f]{64})").matcher(out);
        assertTrue(m.find(), out);
        return m.group(1);
    }

    @Test
    void ollamaFormatPushesWhatPackageOllamaWritesAndPullsBackTheSameBytes() throws Exception {
        Path gguf = variant();
        assertEquals(0, CliRun.of("package", "ollama", gguf, "--name", "models/tiny:q8", "--out", dir.resolve("store")).exitCode());
        String target = "oci://" + open.address() + "/models/tiny:q8";
        CliRun first = CliRun.of("push", gguf, target, "--insecure", "--chunk-size", "4096");
        assertEquals(0, first.exitCode(), first.err());
        assertTrue(first.out().contains("ollama pull " + open.address() + "/models/tiny:q8 --insecure"), first.out());

        // pull: the manifest as Ollama asks for it is byte for byte the one in Ollama's store layout
        OciReference ref = OciReference.parse(target);
        byte[] manifest = client(open, null).manifest(ref, "q8", DOCKER_V2);
        byte[] local = Files.readAllBytes(dir.resolve("store/manifests/registry.ollama.ai/models/tiny/q8"));
        assertArrayEquals(local, manifest);
        assertEquals(digestOf(first.out()), dev.quantforge.engine.oci.Digests.of(manifest));
        JsonNode json = JSON.readTree(manifest);
        for (JsonNode d : Iterable(json)) {
            byte[] blob = client(open, null).blob(ref, d.get("digest").asText());
            assertEquals(d.get("digest").asText(), dev.quantforge.engine.oci.Digests.of(blob));
            assertArrayEquals(Files.readAllBytes(dir.resolve("store/blobs").resolve(d.get("digest").asText().replace(':', '-'))), blob);
        }
        assertArrayEquals(Files.readAllBytes(gguf), client(open, null).blob(ref, json.at("/layers/0/digest").asText()));

        // the same variant again: same digest, nothing uploaded
        CliRun second = CliRun.of("push", gguf, target, "--insecure");
        assertEquals(0, second.exitCode(), second.err());
        assertEquals(digestOf(first.out()), digestOf(second.out()));
        assertTrue(second.out().contains("0 blobs uploaded"), second.out());
    }

    private static Iterable<JsonNode> Iterable(JsonNode manifest) {
        java.util.List<JsonNode> all = new java.util.ArrayList<>();
        all.add(manifest.get("config"));
        manifest.get("layers").forEach(all::add);
        return all;
    }

    @Test
    void modelPackFormatIsAnOciArtifactWithModelSpecMediaTypes() throws Exception {
        Path variantDir = Files.createDirectories(dir.resolve("variant"));
        Path gguf = PackageOllamaCliTest.gguf(variantDir.resolve("tiny-Q8_0.gguf"), true);
        Files.writeString(variantDir.resolve("README.md"), "# tiny\n");
        Files.writeString(variantDir.resolve("benchmark.json"), "{}");
        String target = "oci://" + open.address() + "/modelpack/tiny:q8";
        CliRun run = CliRun.of("push", variantDir, target, "--format", "modelpack", "--insecure", "--chunk-size", "5000");
        assertEquals(0, run.exitCode(), run.err());
        OciReference ref = OciReference.parse(target);
        byte[] manifest = client(open, null).manifest(ref, "q8", OCI);
        assertEquals(digestOf(run.out()), dev.quantforge.engine.oci.Digests.of(manifest));
        JsonNode json = JSON.readTree(manifest);
        assertEquals(OCI, json.get("mediaType").asText());
        assertEquals("application/vnd.cncf.model.manifest.v1+json", json.get("artifactType").asText());
        assertEquals("application/vnd.cncf.model.config.v1+json", json.at("/config/mediaType").asText());
        assertEquals("application/vnd.cncf.model.weight.v1.raw", json.at("/layers/0/mediaType").asText());
        assertEquals("tiny-Q8_0.gguf", json.at("/layers/0/annotations/org.cncf.model.filepath").asText());
        assertEquals("application/vnd.cncf.model.doc.v1.raw", json.at("/layers/1/mediaType").asText());
        assertEquals("README.md", json.at("/layers/1/annotations/org.cncf.model.filepath").asText());
        assertEquals(2, json.get("layers").size(), "benchmark.json is no layer");
        JsonNode config = JSON.readTree(client(open, null).blob(ref, json.at("/config/digest").asText()));
        assertEquals("gguf", config.at("/config/format").asText());
        assertEquals("2K", config.at("/config/paramSize").asText());
        assertEquals("Q8_0", config.at("/config/quantization").asText());
        assertEquals("llama", config.at("/descriptor/family").asText());
        assertEquals("mit", config.at("/descriptor/licenses/0").asText());
        assertEquals("layers", config.at("/modelfs/type").asText());
        assertEquals(json.at("/layers/0/digest").asText(), config.at("/modelfs/diffIds/0").asText());
        assertArrayEquals(Files.readAllBytes(gguf), client(open, null).blob(ref, json.at("/layers/0/digest").asText()));

        CliRun again = CliRun.of("push", variantDir, target, "--format", "modelpack", "--insecure");
        assertEquals(digestOf(run.out()), digestOf(again.out()));
    }

    @Test
    void htpasswdRegistryTakesTheRightPasswordAndRefusesOthersInOneLine() throws Exception {
        Path gguf = variant();
        String target = "oci://" + locked.address() + "/models/tiny:auth";

        CliRun anonymous = CliRun.of("push", gguf, target, "--insecure");
        assertEquals(1, anonymous.exitCode());
        assertEquals(1, anonymous.err().strip().lines().count(), anonymous.err());
        assertTrue(anonymous.err().contains("registry " + locked.address()) && anonymous.err().contains("401"), anonymous.err());

        PushCommandAccess.environment(Map.of("QF_OCI_USERNAME", TestRegistry.USER, "QF_OCI_PASSWORD", "wrong"));
        CliRun wrong = CliRun.of("push", gguf, target, "--insecure");
        assertEquals(1, wrong.exitCode());
        assertEquals(1, wrong.err().strip().lines().count(), wrong.err());
        assertTrue(wrong.err().contains("registry " + locked.address()) && wrong.err().contains("HTTP 401")
                && wrong.err().contains("user quantforge"), wrong.err());

        PushCommandAccess.environment(Map.of("QF_OCI_USERNAME", TestRegistry.USER, "QF_OCI_PASSWORD", TestRegistry.PASSWORD));
        CliRun right = CliRun.of("push", gguf, target, "--insecure");
        assertEquals(0, right.exitCode(), right.err());
        OciReference ref = OciReference.parse(target);
        byte[] manifest = client(locked, new OciClient.Credentials(TestRegistry.USER, TestRegistry.PASSWORD, null)).manifest(ref, "auth", DOCKER_V2);
        assertEquals(digestOf(right.out()), dev.quantforge.engine.oci.Digests.of(manifest));
    }

    @Test
    void aMissingManifestIsA404Line() {
        OciReference ref = OciReference.parse("oci://" + open.address() + "/models/absent:nope");
        RegistryException e = assertThrows(RegistryException.class, () -> client(open, null).manifest(ref, "nope", DOCKER_V2));
        assertEquals(404, e.status());
        assertTrue(e.getMessage().startsWith("registry " + open.address() + ": HTTP 404 Not Found on GET /v2/models/absent/manifests/nope"), e.getMessage());
    }

    @Test
    void connectionRefusedAnd5xxAreOneLineNamingTheRegistry() throws Exception {
        int free;
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            free = socket.getLocalPort();
        }
        CliRun refused = CliRun.of("push", variant(), "oci://127.0.0.1:" + free + "/models/tiny:x", "--insecure");
        assertEquals(1, refused.exitCode());
        assertEquals(1, refused.err().strip().lines().count(), refused.err());
        assertTrue(refused.err().contains("registry 127.0.0.1:" + free + ": connection refused"), refused.err());

        HttpServer broken = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        broken.createContext("/", exchange -> {
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
        });
        broken.start();
        try {
            String address = "127.0.0.1:" + broken.getAddress().getPort();
            CliRun unavailable = CliRun.of("push", variant(), "oci://" + address + "/models/tiny:x", "--insecure");
            assertEquals(1, unavailable.exitCode());
            assertEquals(1, unavailable.err().strip().lines().count(), unavailable.err());
            assertTrue(unavailable.err().contains("registry " + address + ": HTTP 503 Service Unavailable on GET /v2/"), unavailable.err());
        } finally {
            broken.stop(0);
        }
    }

    /**
     * The bearer-token dance (challenge, token endpoint with Basic credentials, token on later requests) against a
     * stand-in that speaks only that part of the protocol: distribution's own token auth needs a token server.
     */
    @Test
    void bearerChallengeFetchesATokenForTheRepositoryScope() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        String realm = "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
        String basic = "Basic " + Base64.getEncoder().encodeToString("u:p".getBytes(StandardCharsets.UTF_8));
        StringBuilder scopes = new StringBuilder();
        server.createContext("/token", exchange -> {
            boolean ok = basic.equals(exchange.getRequestHeaders().getFirst("Authorization"));
            scopes.append(exchange.getRequestURI().getQuery());
            byte[] body = "{\"token\":\"t-123\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(ok ? 200 : 401, ok ? body.length : -1);
            if (ok) {
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        server.createContext("/v2/", exchange -> {
            if (!"Bearer t-123".equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"" + realm + "\",service=\"test\",scope=\"repository:m/x:pull\"");
                exchange.sendResponseHeaders(401, -1);
            } else {
                byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        server.start();
        try {
            String address = "127.0.0.1:" + server.getAddress().getPort();
            OciReference ref = OciReference.parse(address + "/m/x:t");
            OciClient good = new OciClient(address, new OciClient.Credentials("u", "p", null), true, 1024, Duration.ofSeconds(10));
            assertEquals("{}", new String(good.manifest(ref, "t", DOCKER_V2), StandardCharsets.UTF_8));
            assertEquals("service=test&scope=repository:m/x:pull,push", scopes.toString()); // decoded by getQuery
            OciClient bad = new OciClient(address, new OciClient.Credentials("u", "nope", null), true, 1024, Duration.ofSeconds(10));
            RegistryException e = assertThrows(RegistryException.class, () -> bad.manifest(ref, "t", DOCKER_V2));
            assertEquals(401, e.status());
            assertTrue(e.getMessage().contains("registry " + address + ": token service") && e.getMessage().contains("user u"), e.getMessage());
        } finally {
            server.stop(0);
        }
    }
}
