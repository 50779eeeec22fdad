package dev.quantforge.deploy;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stack's registry on a port and in a directory of its own (the shared stack is left alone). */
class RegistryServerTest {
    @TempDir
    Path dir;

    @Test
    void startsAnswersAsADistributionRegistryAndStops() throws Exception {
        Path binary = RegistryServer.binary(Map.of()).orElse(null);
        Assumptions.assumeTrue(binary != null, "docker-registry is not installed");
        int port;
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(StackSettings.HOST, 0));
            port = socket.getLocalPort();
        }
        RegistryServer server = new RegistryServer("registry", binary, dir, dir.resolve("logs"), port, null);
        ProcessHandle process = server.start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (true) {
                try {
                    server.probe();
                    break;
                } catch (Exception e) {
                    if (System.nanoTime() > deadline || !process.isAlive()) {
                        throw e;
                    }
                    Thread.sleep(100);
                }
            }
            String config = Files.readString(dir.resolve("registry/config.yml"));
            assertTrue(config.contains("addr: 127.0.0.1:" + port), config);
            assertTrue(config.contains("rootdirectory: " + dir.resolve("registry/data")), config);
        } finally {
            process.destroy();
            process.onExit().get();
        }
    }

    @Test
    void itsPortIsASetting() {
        assertEquals(15000, StackSettings.parse(List.of(), Map.of(), dir).registryPort());
        assertEquals(16000, StackSettings.parse(List.of(), Map.of("QF_REGISTRY_PORT", "16000"), dir).registryPort());
        assertEquals(16001, StackSettings.parse(List.of("--registry-port=16001"), Map.of(), dir).registryPort());
        assertEquals("127.0.0.1:15000", StackSettings.parse(List.of(), Map.of(), dir).registryAddress());
    }
}
