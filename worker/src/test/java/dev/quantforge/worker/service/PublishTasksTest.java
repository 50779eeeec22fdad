package dev.quantforge.worker.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.common.messages.PublishTarget;
import dev.quantforge.common.messages.TaskEvent;
import dev.quantforge.common.messages.TaskMessage;
import dev.quantforge.deploy.RegistryServer;
import dev.quantforge.deploy.StackSettings;
import dev.quantforge.engine.oci.Digests;
import dev.quantforge.engine.oci.OciClient;
import dev.quantforge.engine.oci.OciReference;
import dev.quantforge.worker.messages.MessageCodec;
import dev.quantforge.worker.testing.TestBed;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A job's "publish": the worker pushes a SUCCEEDED variant to a real registry after S3, or fails in one line. */
class PublishTasksTest {
    static final Duration TIMEOUT = Duration.ofSeconds(90);

    @TempDir
    static Path registryDir;
    static TestBed bed;
    static String storiesUri;
    static ProcessHandle registryProcess;
    static RegistryServer registry;
    static int refusedPort;

    @BeforeAll
    static void start() throws Exception {
        Path binary = RegistryServer.binary(System.getenv()).orElse(null);
        Assumptions.assumeTrue(binary != null, "docker-registry is not installed");
        registry = new RegistryServer("registry", binary, registryDir, registryDir.resolve("logs"), freePort(), null);
        registryProcess = registry.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            try {
                registry.probe();
                break;
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
        refusedPort = freePort();
        bed = new TestBed();
        storiesUri = bed.uploadDir(WorkerTasksTest.STORIES, bed.run + "/models/stories260K");
        bed.startWorker("w1", Map.of("qf.oci.insecure-registries", registry.address() + "," + StackSettings.HOST + ":" + refusedPort,
                "qf.retry.initial-backoff", "PT0.1S", "qf.retry.max-backoff", "PT0.2S"));
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(StackSettings.HOST, 0));
            return socket.getLocalPort();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (bed != null) {
            bed.close();
        }
        if (registryProcess != null) {
            registryProcess.destroy();
            registryProcess.onExit().get();
        }
    }

    private static TaskMessage withPublish(TaskMessage t, PublishTarget... targets) {
        return new TaskMessage(t.taskId(), t.jobId(), t.modelName(), t.source(), t.sourceFormat(), t.variant(), t.recipe(),
                t.profile(), t.resultsPrefix(), t.evalText(), t.gates(), List.of(targets));
    }

    @Test
    void aSucceededVariantIsPushedAsOllamaAndModelPackAndPullsBackAsInS3() throws Exception {
        String ollama = registry.address() + "/models/stories:q4km";
        String modelpack = registry.address() + "/modelpack/stories:q4km";
        TaskMessage task = withPublish(bed.task(UUID.randomUUID(), "stories260K", storiesUri, SourceFormat.HF, Recipe.gguf("Q4_K_M")),
                new PublishTarget(ollama, null), new PublishTarget("oci://" + modelpack, "modelpack"));
        long t0 = System.nanoTime();
        bed.publish(task);
        List<TaskEvent> events = bed.awaitEnd(task.taskId(), TIMEOUT);
        TaskEvent last = events.get(events.size() - 1);
        assertEquals(TaskEvent.Type.SUCCEEDED, last.type(), () -> "last event: " + last);
        System.out.printf("task with two pushes took %d ms%n", (System.nanoTime() - t0) / 1_000_000);

        String prefix = task.resultsPrefix();
        OciClient client = new OciClient(registry.address(), null, true, OciClient.DEFAULT_CHUNK, Duration.ofSeconds(30));
        OciReference ref = OciReference.parse(ollama);
        byte[] manifest = client.manifest(ref, "q4km", "application/vnd.docker.distribution.manifest.v2+json");
        // the registry holds the very manifest and GGUF that the worker wrote to S3 under ollama/
        assertArrayEquals(bed.get(prefix + "ollama/manifests/registry.ollama.ai/library/stories260K/Q4_K_M"), manifest);
        JsonNode json = MessageCodec.json().readTree(manifest);
        String modelDigest = json.at("/layers/0/digest").asText();
        byte[] gguf = client.blob(ref, modelDigest);
        assertEquals(modelDigest, Digests.of(gguf));
        assertArrayEquals(bed.get(prefix + "stories260K-Q4_K_M.gguf"), gguf);

        byte[] pack = client.manifest(OciReference.parse(modelpack), "q4km", "application/vnd.oci.image.manifest.v1+json");
        JsonNode packJson = MessageCodec.json().readTree(pack);
        assertEquals("application/vnd.cncf.model.manifest.v1+json", packJson.get("artifactType").asText());
        assertEquals(modelDigest, packJson.at("/layers/0/digest").asText());
        assertEquals("stories260K-Q4_K_M.gguf", packJson.at("/layers/0/annotations/org.cncf.model.filepath").asText());
        assertEquals(1, packJson.get("layers").size(), "the worker pushes the GGUF alone (the model card stays in S3)");
        // the succeeded event names what was pushed, by the digests of the manifests the registry holds
        assertEquals(List.of(ollama + "@" + Digests.of(manifest), modelpack + "@" + Digests.of(pack)),
                last.result().ociReferences());

        // what serving it takes, beside it in S3 and in its manifest
        JsonNode s3Manifest = MessageCodec.json().readTree(bed.get(prefix + "manifest.json"));
        List<String> names = new java.util.ArrayList<>();
        s3Manifest.path("files").forEach(f -> names.add(f.path("name").asText()));
        for (String file : List.of("deploy/Dockerfile", "deploy/compose.yaml", "deploy/kubernetes.yaml", "deploy/README.md")) {
            assertTrue(names.contains(file), () -> file + " in " + names);
            assertTrue(bed.exists(prefix + file), file);
        }
        String dockerfile = new String(bed.get(prefix + "deploy/Dockerfile"), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(dockerfile.contains("COPY stories260K-Q4_K_M.gguf /models/stories260K-Q4_K_M.gguf"), dockerfile);
    }

    @Test
    void aRefusedPushFailsTheTaskInOneLineAndLeavesTheVariantInS3() throws Exception {
        String target = StackSettings.HOST + ":" + refusedPort + "/models/stories:q4km";
        TaskMessage task = withPublish(bed.task(UUID.randomUUID(), "stories260K", storiesUri, SourceFormat.HF, Recipe.gguf("Q4_0")),
                new PublishTarget(target, "ollama"));
        bed.publish(task);
        List<TaskEvent> events = bed.awaitEnd(task.taskId(), TIMEOUT);
        TaskEvent last = events.get(events.size() - 1);
        assertEquals(TaskEvent.Type.FAILED, last.type(), () -> "last event: " + last);
        String reason = last.reason();
        assertEquals(1, reason.lines().count(), reason);
        assertTrue(reason.contains("published in S3") && reason.contains("registry " + StackSettings.HOST + ":" + refusedPort)
                && reason.contains("connection refused"), reason);
        assertTrue(bed.exists(task.resultsPrefix() + "manifest.json"), "the variant stays in S3");
        assertTrue(bed.exists(task.resultsPrefix() + "stories260K-Q4_0.gguf"), "the variant stays in S3");
    }
}
