package dev.quantforge.e2e.k8s;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quantforge.e2e.support.Manifests;
import dev.quantforge.e2e.support.ServiceVocabulary;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every overlay under k8s/ renders with kubectl, every object is valid against its schema (validate.mjs), and the
 * rules of {@link ManifestRules} hold: probes, resources and security context on every container, only settings
 * the services read (derived from their packaged code), every Secret key documented, the images the build makes,
 * KEDA scaling on the workers' own settings. And each rule bites: a broken copy of the dev rendering fails it.
 */
class K8sManifestsTest {
    private static ManifestRules rules;
    private static Map<String, ServiceVocabulary> vocabularies;
    private static final Path SCRATCH = Path.of(System.getProperty("quantforge.e2e.dir", "target/e2e"), "k8s");

    @BeforeAll
    static void setUp() throws Exception {
        vocabularies = Map.of("api", ServiceVocabulary.of("api"), "worker", ServiceVocabulary.of("worker"));
        String readme = Files.readString(Manifests.k8s().resolve("README.md"));
        rules = new ManifestRules(vocabularies, Map.of("api", imageOf("api"), "worker", imageOf("worker")), readme);
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "production", "production-operators"})
    void theOverlayRendersValidatesAndKeepsTheRules(String overlay) {
        List<ObjectNode> objects = Manifests.render(overlay);
        String report = Manifests.validate(objects, SCRATCH);
        assertTrue(report.strip().endsWith(objects.size() + " objects, 0 invalid"), report);
        assertEquals(List.of(), rules.check(objects), overlay + ": the rules");
    }

    @Test
    void theVocabularyComesFromTheServicesCode() {
        ServiceVocabulary api = vocabularies.get("api");
        ServiceVocabulary worker = vocabularies.get("worker");
        // from the mappings, application.properties and an expression in a class (@Scheduled)
        assertTrue(api.qfVariables().containsAll(List.of("QF_DB_URL", "QF_DB_POOL_SIZE", "QF_HTTP_PORT",
                "QF_KAFKA_TOPICS_TASKS_PARTITIONS", "QF_METRICS_REFRESH_INTERVAL", "QF_OUTBOX_BATCH_SIZE")), () -> api.qfVariables().toString());
        assertTrue(worker.qfVariables().containsAll(List.of("QF_WORKER_SCRATCH_DIR", "QF_WORKER_SHUTDOWN_GRACE",
                "QF_BENCHMARK_MAX_EVAL_TEXT_BYTES", "QF_KAFKA_TOPICS_TASKS_PARTITIONS", "QF_HTTP_PORT")), () -> worker.qfVariables().toString());
        assertFalse(api.reads("QF_WORKER_CONCURRENCY"));
        assertFalse(worker.reads("QF_DB_URL"), "workers hold no database connection");
        assertTrue(worker.reads("KAFKA_SASL_JAAS_CONFIG") && !worker.reads("KAFKA_SASL_JASS_CONFIG"));
        // a map's entries are named by the operator: any tenant, never the bare map
        assertTrue(api.reads("QF_TENANTS_SOURCES_ACME") && api.reads("QF_TENANTS_RESULTS_PREFIX_ACME"));
        assertFalse(api.reads("QF_TENANTS_SOURCES_") || worker.reads("QF_TENANTS_SOURCES_ACME"));
    }

    @Test
    void aBrokenManifestFailsTheRules() {
        List<ObjectNode> dev = Manifests.render("dev");
        assertBreaks(dev, objects -> configMap(objects).set("QF_WORKER_CONCURENCY", configMap(objects).remove("QF_WORKER_CONCURRENCY")),
                "QF_WORKER_CONCURENCY is no setting the");
        assertBreaks(dev, objects -> configMap(objects).remove("QF_S3_ENDPOINT"), "QF_S3_ENDPOINT is not set");
        assertBreaks(dev, objects -> container(objects, "quantforge-worker").withArray("env").addObject()
                .put("name", "QF_WORKER_SCRATCHDIR").put("value", "/scratch"), "env QF_WORKER_SCRATCHDIR is no setting");
        assertBreaks(dev, objects -> ((ObjectNode) container(objects, "quantforge-api").withArray("env").get(2)
                .path("valueFrom").path("secretKeyRef")).put("key", "passwd"), "key passwd is not documented");
        assertBreaks(dev, objects -> container(objects, "quantforge-worker").remove("readinessProbe"), "no readinessProbe");
        assertBreaks(dev, objects -> ((ObjectNode) container(objects, "quantforge-worker").path("securityContext"))
                .put("readOnlyRootFilesystem", false), "root filesystem not read-only");
        assertBreaks(dev, objects -> container(objects, "quantforge-api").put("image", "ghcr.io/quantforge/quantforge-api:latest"),
                "is not the one the build makes");
        assertBreaks(dev, objects -> ((ObjectNode) Manifests.find(objects, "ScaledObject", "quantforge-worker").path("spec"))
                .put("maxReplicaCount", 20), "is not the task topic's partition count");
        assertBreaks(dev, objects -> ((ObjectNode) Manifests.podSpec(Manifests.find(objects, "Deployment", "quantforge-worker")))
                .put("terminationGracePeriodSeconds", 30), "is shorter than the shutdown grace");
    }

    @Test
    void aSchemaErrorFailsTheValidation() {
        List<ObjectNode> objects = Manifests.copy(Manifests.render("dev"));
        ((ObjectNode) Manifests.find(objects, "ScaledObject", "quantforge-worker").path("spec")).put("maxReplicaCount", "three");
        AssertionError failed = assertThrows(AssertionError.class, () -> Manifests.validate(objects, SCRATCH));
        assertTrue(failed.getMessage().contains("INVALID keda.sh/v1alpha1 ScaledObject quantforge-worker"), failed::getMessage);
    }

    @Test
    void aSecretWithoutTheKeyStopsTheContainer() {
        List<ObjectNode> objects = Manifests.render("dev");
        AssertionError failed = assertThrows(AssertionError.class, () -> Manifests.environment(objects,
                container(objects, "quantforge-api"), Map.of("quantforge-postgres", Map.of("username", "u"),
                        "quantforge-s3", Map.of("access-key", "a", "secret-key", "s")), "pod"));
        assertTrue(failed.getMessage().contains("Secret quantforge-postgres has no key password"), failed::getMessage);
    }

    private static void assertBreaks(List<ObjectNode> rendering, Consumer<List<ObjectNode>> breakIt, String expected) {
        List<ObjectNode> objects = Manifests.copy(rendering);
        breakIt.accept(objects);
        List<String> problems = rules.check(objects);
        assertTrue(problems.stream().anyMatch(p -> p.contains(expected)), () -> "expected '" + expected + "' in " + problems);
    }

    private static ObjectNode configMap(List<ObjectNode> objects) {
        return (ObjectNode) Manifests.ofKind(objects, "ConfigMap").stream()
                .filter(c -> c.path("metadata").path("name").asText().startsWith("quantforge-config")).findFirst()
                .orElseThrow().path("data");
    }

    private static ObjectNode container(List<ObjectNode> objects, String deployment) {
        return (ObjectNode) Manifests.podSpec(Manifests.find(objects, "Deployment", deployment)).path("containers").get(0);
    }

    /**
     * The image the {@code images} profile builds for a service: registry, group and tag from the root pom's profile,
     * the name from the service's artifactId, the tag its version.
     */
    static String imageOf(String service) throws Exception {
        Path root = Manifests.k8s().getParent();
        Element parent = pom(root.resolve("pom.xml"));
        Element module = pom(root.resolve(service).resolve("pom.xml"));
        String version = text(parent, "version");
        Element profile = null;
        NodeList profiles = parent.getElementsByTagName("profile");
        for (int i = 0; i < profiles.getLength(); i++) {
            Element p = (Element) profiles.item(i);
            if (text(p, "id").equals("images")) {
                profile = p;
            }
        }
        assertTrue(profile != null, "the root pom has an images profile");
        Element properties = (Element) profile.getElementsByTagName("properties").item(0);
        String registry = text(properties, "quarkus.container-image.registry");
        String group = text(properties, "quarkus.container-image.group");
        String name = text(properties, "quarkus.container-image.name").replace("${project.artifactId}", text(module, "artifactId"));
        String tag = text(properties, "quarkus.container-image.tag").replace("${project.version}", version);
        return registry + "/" + group + "/" + name + ":" + tag;
    }

    private static Element pom(Path file) throws Exception {
        Document document = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
        return document.getDocumentElement();
    }

    /** The text of the direct child element {@code name}. */
    private static String text(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e.getTextContent().strip();
            }
        }
        throw new AssertionError("no <" + name + "> in <" + parent.getTagName() + ">");
    }
}
