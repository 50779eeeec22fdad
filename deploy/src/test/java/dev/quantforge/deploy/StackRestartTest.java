package dev.quantforge.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A server of the stack killed with {@code kill -9} comes back on the FIRST {@code stack up}, as a user would try
 * it: a private stack on free ports in its own directory, started by {@code stack up} in a process of its own
 * (so the servers are orphans, reaped by whoever adopted them, as after a real {@code deploy/local up}), then
 * each server killed in turn and {@code stack up} run once.
 */
class StackRestartTest {

    private static Path dataDir;
    private static List<String> flags;
    private static LocalStack stack;

    @BeforeAll
    static void upOnPrivatePorts() throws Exception {
        dataDir = Files.createTempDirectory("quantforge-stack-restart");
        flags = List.of("--dir=" + dataDir, "--pg-port=" + freePort(), "--kafka-port=" + freePort(),
                "--kafka-controller-port=" + freePort(), "--s3-port=" + freePort(), "--registry-port=" + freePort());
        stack = new LocalStack(StackSettings.parse(flags, Map.of(), dataDir), LocalStack.defaultDistribution());
        String output = stackCommand("up");
        assertTrue(output.contains("stack up in"), output);
    }

    @AfterAll
    static void down() throws Exception {
        if (stack != null) {
            stack.down(System.out);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3", "postgres", "kafka"})
    void aKilledServerIsStartedAgainByTheFirstUp(String server) throws Exception {
        ProcessHandle killed = stack.registry().find(server).orElseThrow();
        killed.destroyForcibly(); // SIGKILL: no shutdown hook, the pid file and lock files stay behind
        // Not onExit: that waits until the zombie is reaped, and the zombie is what made the first up fail.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ProcessRegistry.isRunning(killed) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }

        String output = stackCommand("up");

        assertTrue(output.lines().anyMatch(l -> l.startsWith(server + " ") && l.contains("started (pid")), output);
        ProcessHandle restarted = stack.registry().find(server).orElseThrow(() ->
                new AssertionError(server + " is not running after one up:\n" + output));
        assertNotEquals(killed.pid(), restarted.pid());
        String status = status();
        for (String name : List.of("postgres", "kafka", "s3")) {
            assertTrue(status.lines().anyMatch(l -> l.startsWith(name + " ") && l.contains(", answering")),
                    name + " does not answer after one up:\n" + status);
        }
    }

    /** {@code stack COMMAND} in a JVM of its own, as deploy/local runs it; returns its output, fails on exit != 0. */
    private static String stackCommand(String command) throws IOException, InterruptedException {
        List<String> cli = new ArrayList<>(List.of(DetachedProcess.java(), "-cp", System.getProperty("java.class.path"),
                LocalStack.class.getName(), command));
        cli.addAll(flags);
        Process process = new ProcessBuilder(cli).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(240, TimeUnit.SECONDS), "stack " + command + " did not finish");
        assertEquals(0, process.exitValue(), "stack " + command + ":\n" + output);
        return output;
    }

    private static String status() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        stack.status(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(StackSettings.HOST), 0));
            return socket.getLocalPort();
        }
    }
}
