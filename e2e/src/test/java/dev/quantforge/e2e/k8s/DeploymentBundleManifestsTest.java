package dev.quantforge.e2e.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quantforge.e2e.support.Manifests;
import dev.quantforge.engine.deploy.DeploymentBundle;
import dev.quantforge.engine.deploy.ServingFacts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A variant's deployment bundle ({@code <variant>/deploy/}) for each format: compose.yaml and kubernetes.yaml parse,
 * {@code kubectl kustomize} reads the Kubernetes objects (offline), and they validate against Kubernetes' schemas with
 * the project's validator ({@code k8s/validate}); the Deployment is sized from the variant and probed.
 * ({@code kubectl create --dry-run=client} is not used: it asks a cluster for its API even in client mode.)
 */
class DeploymentBundleManifestsTest {
    private static final long MIB = 1L << 20;
    private static final List<ServingFacts> VARIANTS = List.of(
            new ServingFacts("llama-3-8b", "Q4_K_M", ServingFacts.Format.GGUF, "llama-3-8b-Q4_K_M.gguf", 4096 * MIB, 4096, 32,
                    1024, 8),
            new ServingFacts("stories260K", "Q4_K_M-custom-1a2b3c", ServingFacts.Format.GGUF, "stories260K-Q4_K_M-custom-1a2b3c.gguf",
                    300_000, 512, 5, 32, 2),
            new ServingFacts("qwen2-0.5b", "int4", ServingFacts.Format.ONNX, "qwen2-0.5b-int4", 700 * MIB, 4096, 24, 128, 4),
            new ServingFacts("mistral-7b", "mixed_3_6", ServingFacts.Format.MLX, "mistral-7b-mixed_3_6", 3500 * MIB, 4096, 32,
                    1024, 4));

    @TempDir
    Path dir;

    @Test
    void everyFormatsBundleParsesAndItsKubernetesObjectsValidate() throws Exception {
        for (ServingFacts facts : VARIANTS) {
            Map<String, byte[]> files = DeploymentBundle.render(facts);
            Path bundle = Files.createDirectories(dir.resolve(facts.format() + "-" + facts.variant()));
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                Files.write(bundle.resolve(f.getKey()), f.getValue());
            }
            String name = DeploymentBundle.kubernetesName(facts.model(), facts.variant());

            List<ObjectNode> compose = Manifests.parseYaml(text(files, "compose.yaml"), "compose.yaml");
            assertEquals(1, compose.size());
            JsonNode service = compose.get(0).path("services").path(name);
            assertEquals("deploy/Dockerfile", service.path("build").path("dockerfile").asText(), compose::toString);
            assertEquals(DeploymentBundle.memoryLimitMi(facts) + "M", service.at("/deploy/resources/limits/memory").asText());

            List<ObjectNode> objects = Manifests.parseYaml(text(files, "kubernetes.yaml"), "kubernetes.yaml");
            Files.writeString(bundle.resolve("kustomization.yaml"), "resources:\n  - kubernetes.yaml\n");
            assertEquals(Set.copyOf(objects), Set.copyOf(Manifests.kustomize(bundle)), "kubectl reads the same objects");
            String report = Manifests.validate(objects, dir.resolve("scratch"));
            assertTrue(report.contains("2 objects, 0 invalid"), report);

            ObjectNode deployment = Manifests.find(objects, "Deployment", name);
            JsonNode server = Manifests.container(deployment, "server");
            assertEquals(DeploymentBundle.memoryRequestMi(facts) + "Mi", server.at("/resources/requests/memory").asText());
            assertEquals(Integer.toString(facts.threads()), server.at("/resources/requests/cpu").asText());
            for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
                assertEquals("http", server.path(probe).at("/httpGet/port").asText(), () -> probe + " of " + server);
            }
            ObjectNode svc = Manifests.find(objects, "Service", name);
            JsonNode podLabels = deployment.at("/spec/template/metadata/labels");
            svc.at("/spec/selector").fields().forEachRemaining(e -> assertEquals(e.getValue(), podLabels.get(e.getKey()),
                    "the Service selects the Deployment's pods: " + e.getKey()));
        }
    }

    @Test
    void theValidatorCatchesABrokenDeployment() {
        Map<String, byte[]> files = DeploymentBundle.render(VARIANTS.get(0));
        List<ObjectNode> objects = Manifests.parseYaml(text(files, "kubernetes.yaml"), "kubernetes.yaml");
        ObjectNode broken = (ObjectNode) Manifests.copy(objects).get(0);
        ((ObjectNode) broken.at("/spec")).put("replicas", "one");
        AssertionError e = assertThrows(AssertionError.class, () -> Manifests.validate(List.of(broken), dir.resolve("scratch")));
        assertTrue(e.getMessage().contains("INVALID apps/v1 Deployment"), e.getMessage());
    }

    private static String text(Map<String, byte[]> files, String name) {
        return new String(files.get(name), StandardCharsets.UTF_8);
    }
}
