package dev.quantforge.e2e;

import dev.quantforge.e2e.support.Product;
import dev.quantforge.e2e.support.ServiceProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./quantforge demo}, the README's first command, as a newcomer runs it: the script itself, on a stack of
 * its own (a fresh directory and free ports, so nothing a developer runs is touched), then {@code stack down}.
 */
class DemoScriptTest {

    private static final Pattern DEMO_KEY = Pattern.compile("^API key for this demo .*: (qf_\\S+)$", Pattern.MULTILINE);

    private final Path stackDir = createStackDir();
    private final int apiPort = ServiceProcess.freePort();
    private final Map<String, String> environment = Map.of(
            "QF_STACK_DIR", stackDir.toString(),
            "QF_PG_PORT", Integer.toString(ServiceProcess.freePort()),
            "QF_KAFKA_PORT", Integer.toString(ServiceProcess.freePort()),
            "QF_KAFKA_CONTROLLER_PORT", Integer.toString(ServiceProcess.freePort()),
            "QF_S3_PORT", Integer.toString(ServiceProcess.freePort()),
            "QF_REGISTRY_PORT", Integer.toString(ServiceProcess.freePort()),
            "QF_HTTP_PORT", Integer.toString(apiPort),
            "QF_DEMO_WORKER_PORT", Integer.toString(ServiceProcess.freePort()));

    @AfterEach
    void stackDown() throws Exception {
        run(List.of("./quantforge", "stack", "down"), 3);
        try (Stream<Path> files = Files.walk(stackDir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    @Test
    void theDemoRunsTheJobEndToEndAndStackDownStopsEverything() throws Exception {
        String demo = run(List.of("./quantforge", "demo"), 10);

        assertTrue(Pattern.compile("^job [0-9a-f-]{36} SUCCEEDED in ", Pattern.MULTILINE).matcher(demo).find(), demo);
        for (String profile : List.of("cpu-x86-avx2", "arm-mobile", "cpu-server-quality")) {
            assertTrue(Pattern.compile("^" + profile + " +SUCCEEDED +s3://quantforge-results/.*/manifest\\.json$",
                    Pattern.MULTILINE).matcher(demo).find(), profile + ":\n" + demo);
        }
        Matcher key = DEMO_KEY.matcher(demo);
        assertTrue(key.find(), demo);
        assertEquals(200, status("/api/v1/jobs", key.group(1)), "the printed key lists jobs");
        assertEquals(401, status("/api/v1/jobs", null), "no key, no jobs");

        String down = run(List.of("./quantforge", "stack", "down"), 3);

        for (String name : List.of("api", "worker", "s3", "kafka", "postgres")) {
            assertTrue(down.lines().anyMatch(l -> l.startsWith(name + " ") && l.contains("stopped")), name + ":\n" + down);
        }
        assertFalse(answers(apiPort), "the API still answers after stack down");
    }

    /** Runs a command in the repository with the test's environment; its output, after checking it exited 0. */
    private String run(List<String> command, int minutes) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(Product.root().toFile()).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = builder.start();
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes(); // ends when the command's own output closes
        String text = new String(output, StandardCharsets.UTF_8);
        assertTrue(process.waitFor(minutes, TimeUnit.MINUTES), String.join(" ", command) + " did not end:\n" + text);
        assertEquals(0, process.exitValue(), String.join(" ", command) + ":\n" + text);
        return text;
    }

    private int status(String path, String apiKey) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort + path));
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static boolean answers(int port) {
        try (Socket ignored = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Path createStackDir() {
        try {
            return Files.createTempDirectory("quantforge-demo-stack");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
