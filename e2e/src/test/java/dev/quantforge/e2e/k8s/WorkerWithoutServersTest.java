package dev.quantforge.e2e.k8s;

import dev.quantforge.e2e.support.ManifestRun;
import dev.quantforge.e2e.support.ServiceProcess;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A worker started (with the manifests' environment) while Kafka and object storage do not answer stays up and
 * alive, is not ready, and says why in its readiness response and its log: a pod that waits rather than a crash
 * loop. It is ready once the stack answers, as the next test in the same JVM shows by starting normally.
 */
class WorkerWithoutServersTest {

    @Test
    void aWorkerWithoutKafkaAndS3IsNotReadyAndSaysWhy() throws Exception {
        int kafkaPort = closedPort();
        int s3Port = closedPort();
        try (ManifestRun run = ManifestRun.start("k8s-unreachable")) {
            ServiceProcess worker = run.launchWorker("quantforge-worker-cut-off", Map.of(
                    "QF_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + kafkaPort, "QF_S3_ENDPOINT", "http://127.0.0.1:" + s3Port));
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (!worker.logText().contains("not ready (attempt 1)")) {
                assertTrue(worker.isAlive(), () -> "the worker exited:\n" + worker.logText());
                assertTrue(System.nanoTime() < deadline, () -> "no failed attempt in the log:\n" + worker.logText());
                ServiceProcess.sleep(Duration.ofMillis(500));
            }
            assertTrue(worker.isAlive(), worker::logText);
            // not ready: 503, or no answer within the probe's 5 s (the Kafka extension's own check waits for its
            // admin client), which the kubelet counts as a failed probe all the same
            int ready = worker.status("/q/health/ready");
            assertTrue(ready == 503 || ready == -1, "readiness " + ready);
            assertEquals(200, worker.status("/q/health/live"), "waiting for Kafka is not dead: no restart");
            assertEquals(200, worker.status("/q/health/started"));
            String log = worker.logText();
            assertTrue(log.contains("Kafka at 127.0.0.1:" + kafkaPort + " not reachable"), log);
            assertTrue(log.contains("not ready: object storage at http://127.0.0.1:" + s3Port + " does not answer"), log);
            System.out.println("k8s-unreachable: readiness answered " + ready + "; the log says why");
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
