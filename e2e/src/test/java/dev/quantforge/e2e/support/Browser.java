package dev.quantforge.e2e.support;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real browser for the dashboard's tests: Debian's {@code chromium} driven by a node script with
 * {@code playwright-core} (e2e/src/test/browser, pinned by its package-lock.json and installed with
 * {@code npm ci --ignore-scripts} when missing, so Playwright never downloads a browser of its own).
 */
public final class Browser {
    public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final long NPM_TIMEOUT_SECONDS = 600;

    private Browser() {
    }

    public static Path scripts() {
        return Product.root().resolve("e2e/src/test/browser");
    }

    /** Fails, rather than skips, when the browser is not installed. */
    public static void requireChromium() {
        if (!Files.isExecutable(CHROMIUM)) {
            throw new AssertionError(CHROMIUM + " is missing: the dashboard's browser test needs Debian's chromium"
                    + " (apt-get install -y chromium; .ci/run installs it)");
        }
    }

    /**
     * Runs {@code script} (a file of e2e/src/test/browser) with node and the given environment; returns the JSON of
     * its last output line. Its stderr (what it did, step by step) goes to {@code log} and to this test's output.
     */
    public static JsonNode run(String script, Map<String, String> environment, Duration timeout, Path log) {
        requireChromium();
        if (!Files.isDirectory(scripts().resolve("node_modules"))) {
            Manifests.run(List.of("npm", "ci", "--prefix", scripts().toString(), "--ignore-scripts", "--no-audit",
                    "--no-fund"), NPM_TIMEOUT_SECONDS);
        }
        List<String> command = List.of("node", scripts().resolve(script).toString());
        try {
            Files.createDirectories(log.getParent());
            ProcessBuilder builder = new ProcessBuilder(command).directory(scripts().toFile()).redirectError(log.toFile());
            builder.environment().putAll(environment);
            // never let Playwright fetch a browser or phone home
            builder.environment().put("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
            Process process = builder.start();
            process.getOutputStream().close();
            byte[] out = process.getInputStream().readAllBytes();
            boolean ended = process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS);
            String stderr = Files.readString(log);
            System.out.print(stderr);
            if (!ended) {
                process.destroyForcibly();
                throw new AssertionError(script + " did not end within " + timeout.toSeconds() + " s:\n" + stderr);
            }
            String stdout = new String(out, StandardCharsets.UTF_8).strip();
            if (process.exitValue() != 0) {
                throw new AssertionError(script + " failed (" + process.exitValue() + "):\n" + stdout + "\n" + stderr);
            }
            List<String> lines = new ArrayList<>(stdout.lines().toList());
            if (lines.isEmpty()) {
                throw new AssertionError(script + " printed nothing:\n" + stderr);
            }
            return ApiClient.json().readTree(lines.get(lines.size() - 1));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
