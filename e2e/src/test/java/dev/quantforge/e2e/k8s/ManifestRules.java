package dev.quantforge.e2e.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quantforge.e2e.support.Manifests;
import dev.quantforge.e2e.support.ServiceVocabulary;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * What a rendered overlay must hold beyond its schemas; {@link #check} lists every breach, one line each.
 * quantforge's containers are told apart by their image ({@code …/quantforge-api:…}, {@code …/quantforge-worker:…}).
 */
final class ManifestRules {
    /** The only variables outside a service's vocabulary a manifest may set: the JVM's own. */
    static final Set<String> JVM_VARIABLES = Set.of("JAVA_TOOL_OPTIONS");
    /** Settings whose defaults are the local stack's (loopback, its keys): a cluster must set them. */
    static final Map<String, List<String>> REQUIRED = Map.of(
            "api", List.of("QF_DB_URL", "QF_DB_USER", "QF_DB_PASSWORD", "QF_KAFKA_BOOTSTRAP_SERVERS", "QF_S3_ENDPOINT",
                    "QF_S3_ACCESS_KEY", "QF_S3_SECRET_KEY"),
            "worker", List.of("QF_KAFKA_BOOTSTRAP_SERVERS", "QF_S3_ENDPOINT", "QF_S3_ACCESS_KEY", "QF_S3_SECRET_KEY",
                    "QF_WORKER_SCRATCH_DIR"));
    /** What the worker does on SIGTERM beyond the shutdown grace: leave the group (10 s), close the producer (10 s). */
    static final Duration WORKER_CLOSE = Duration.ofSeconds(20);

    private final Map<String, ServiceVocabulary> vocabularies;
    private final Map<String, String> images;
    private final String secretsDocument;

    /**
     * @param images          service → the image its build makes ({@code ghcr.io/quantforge/quantforge-api:0.1.0-SNAPSHOT})
     * @param secretsDocument the text that documents the Secrets (k8s/README.md)
     */
    ManifestRules(Map<String, ServiceVocabulary> vocabularies, Map<String, String> images, String secretsDocument) {
        this.vocabularies = vocabularies;
        this.images = images;
        this.secretsDocument = secretsDocument;
    }

    List<String> check(List<ObjectNode> objects) {
        List<String> problems = new ArrayList<>();
        Map<String, JsonNode> services = new HashMap<>();
        Map<String, Set<String>> configMapReaders = new HashMap<>();
        for (ObjectNode workload : workloads(objects)) {
            String owner = workload.path("kind").asText() + " " + workload.path("metadata").path("name").asText();
            JsonNode pod = Manifests.podSpec(workload);
            for (JsonNode container : pod.path("containers")) {
                String where = owner + " container " + container.path("name").asText();
                String service = serviceOf(container);
                containerRules(where, pod, container, service != null, problems);
                secretsDocumented(where, container, problems);
                if (service == null) {
                    continue;
                }
                services.put(service, workload);
                for (JsonNode from : container.path("envFrom")) {
                    configMapReaders.computeIfAbsent(from.path("configMapRef").path("name").asText(), n -> new java.util.TreeSet<>())
                            .add(service);
                }
                if (!container.path("image").asText().equals(images.get(service))) {
                    problems.add(where + ": image " + container.path("image").asText() + " is not the one the build makes, "
                            + images.get(service));
                }
                environmentRules(where, objects, container, service, problems);
            }
        }
        for (String service : List.of("api", "worker")) {
            if (!services.containsKey(service)) {
                problems.add("no " + service + " Deployment");
            }
        }
        configMapRules(objects, configMapReaders, problems);
        if (services.containsKey("worker")) {
            workerRules(objects, services.get("worker"), problems);
        }
        for (ObjectNode auth : Manifests.ofKind(objects, "TriggerAuthentication")) {
            for (JsonNode ref : auth.path("spec").path("secretTargetRef")) {
                documented("TriggerAuthentication " + auth.path("metadata").path("name").asText(), ref.path("name").asText(),
                        ref.path("key").asText(), problems);
            }
        }
        return problems;
    }

    static List<ObjectNode> workloads(List<ObjectNode> objects) {
        List<ObjectNode> workloads = new ArrayList<>(Manifests.ofKind(objects, "Deployment"));
        workloads.addAll(Manifests.ofKind(objects, "StatefulSet"));
        return workloads;
    }

    /** {@code api} or {@code worker} for quantforge's containers, null for others. */
    static String serviceOf(JsonNode container) {
        String image = container.path("image").asText();
        String name = image.substring(image.lastIndexOf('/') + 1).replaceAll(":.*", "");
        return switch (name) {
            case "quantforge-api" -> "api";
            case "quantforge-worker" -> "worker";
            default -> null;
        };
    }

    private static void containerRules(String where, JsonNode pod, JsonNode container, boolean ours, List<String> problems) {
        for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
            if (!container.has(probe)) {
                problems.add(where + ": no " + probe);
            }
        }
        if (ours) {
            Map<String, String> paths = Map.of("startupProbe", "/q/health/started", "readinessProbe", "/q/health/ready",
                    "livenessProbe", "/q/health/live");
            paths.forEach((probe, path) -> {
                if (container.has(probe) && !container.path(probe).path("httpGet").path("path").asText().equals(path)) {
                    problems.add(where + ": " + probe + " is not on " + path);
                }
            });
        }
        JsonNode resources = container.path("resources");
        for (String kind : List.of("requests", "limits")) {
            for (String resource : List.of("cpu", "memory", "ephemeral-storage")) {
                if (!resources.path(kind).has(resource)) {
                    problems.add(where + ": no " + resource + " in resources." + kind);
                }
            }
        }
        JsonNode sc = container.path("securityContext");
        JsonNode podSc = pod.path("securityContext");
        Function<String, JsonNode> either = field -> sc.has(field) ? sc.path(field) : podSc.path(field);
        if (!either.apply("runAsNonRoot").asBoolean(false)) {
            problems.add(where + ": not runAsNonRoot");
        }
        if (!sc.path("readOnlyRootFilesystem").asBoolean(false)) {
            problems.add(where + ": root filesystem not read-only");
        }
        if (sc.path("allowPrivilegeEscalation").asBoolean(true)) {
            problems.add(where + ": allowPrivilegeEscalation is not false");
        }
        boolean dropsAll = false;
        for (JsonNode c : sc.path("capabilities").path("drop")) {
            dropsAll |= c.asText().equals("ALL");
        }
        if (!dropsAll || sc.path("capabilities").has("add")) {
            problems.add(where + ": capabilities are not all dropped");
        }
        if (!either.apply("seccompProfile").path("type").asText().equals("RuntimeDefault")) {
            problems.add(where + ": seccomp profile is not RuntimeDefault");
        }
        if (emptyDirAt(pod, container, "/tmp") == null) {
            problems.add(where + ": no emptyDir at /tmp (the root filesystem is read-only)");
        }
    }

    /** The emptyDir volume mounted at {@code path} in the container, or null. */
    static JsonNode emptyDirAt(JsonNode pod, JsonNode container, String path) {
        for (JsonNode mount : container.path("volumeMounts")) {
            if (mount.path("mountPath").asText().equals(path)) {
                for (JsonNode volume : pod.path("volumes")) {
                    if (volume.path("name").asText().equals(mount.path("name").asText()) && volume.has("emptyDir")) {
                        return volume.path("emptyDir");
                    }
                }
            }
        }
        return null;
    }

    private void secretsDocumented(String where, JsonNode container, List<String> problems) {
        for (JsonNode variable : container.path("env")) {
            JsonNode ref = variable.path("valueFrom").path("secretKeyRef");
            if (!ref.isMissingNode()) {
                documented(where + " " + variable.path("name").asText(), ref.path("name").asText(), ref.path("key").asText(),
                        problems);
            }
        }
    }

    /** The Secret and key appear together on a line of the document (its table of Secrets). */
    private void documented(String where, String secret, String key, List<String> problems) {
        boolean found = secretsDocument.lines().anyMatch(l -> l.contains("`" + secret + "`") && l.contains("`" + key + "`"));
        if (!found) {
            problems.add(where + ": Secret " + secret + " key " + key + " is not documented in k8s/README.md");
        }
    }

    private void environmentRules(String where, List<ObjectNode> objects, JsonNode container, String service,
                                  List<String> problems) {
        ServiceVocabulary vocabulary = vocabularies.get(service);
        for (JsonNode variable : container.path("env")) {
            String name = variable.path("name").asText();
            if (!vocabulary.reads(name) && !JVM_VARIABLES.contains(name)) {
                problems.add(where + ": env " + name + " is no setting the " + service + " reads");
            }
            JsonNode ref = variable.path("valueFrom").path("configMapKeyRef");
            if (!ref.isMissingNode() && !configMaps(objects).getOrDefault(ref.path("name").asText(), Map.of())
                    .containsKey(ref.path("key").asText())) {
                problems.add(where + ": env " + name + " refers to ConfigMap " + ref.path("name").asText() + " key "
                        + ref.path("key").asText() + ", which is not there");
            }
        }
        Set<String> set = new java.util.TreeSet<>();
        container.path("env").forEach(v -> set.add(v.path("name").asText()));
        for (JsonNode from : container.path("envFrom")) {
            String configMap = from.path("configMapRef").path("name").asText();
            Map<String, String> data = configMaps(objects).get(configMap);
            if (data == null) {
                problems.add(where + ": envFrom ConfigMap " + configMap + " is not there");
            } else {
                set.addAll(data.keySet());
            }
        }
        for (String required : REQUIRED.get(service)) {
            if (!vocabulary.reads(required)) {
                problems.add("the required setting " + required + " is no longer read by the " + service);
            } else if (!set.contains(required)) {
                problems.add(where + ": " + required + " is not set (its default is the local stack's)");
            }
        }
    }

    private void configMapRules(List<ObjectNode> objects, Map<String, Set<String>> readers, List<String> problems) {
        readers.forEach((configMap, services) -> {
            Map<String, String> data = configMaps(objects).getOrDefault(configMap, Map.of());
            for (String key : data.keySet()) {
                if (services.stream().noneMatch(s -> vocabularies.get(s).reads(key))) {
                    problems.add("ConfigMap " + configMap + ": " + key + " is no setting the " + String.join(" or ", services)
                            + " reads");
                }
            }
        });
    }

    private void workerRules(List<ObjectNode> objects, JsonNode worker, List<String> problems) {
        JsonNode pod = Manifests.podSpec(worker);
        JsonNode container = pod.path("containers").path(0);
        Map<String, String> env = environmentNames(objects, container);
        String scratch = env.get("QF_WORKER_SCRATCH_DIR");
        if (scratch != null && emptyDirAt(pod, container, scratch) == null) {
            problems.add("worker: QF_WORKER_SCRATCH_DIR " + scratch + " is not an emptyDir mount");
        }
        if (!container.path("resources").path("requests").has("ephemeral-storage")) {
            problems.add("worker: no ephemeral-storage request for the scratch directory");
        }
        Duration grace = Duration.parse(env.getOrDefault("QF_WORKER_SHUTDOWN_GRACE", "PT30S"));
        long termination = pod.path("terminationGracePeriodSeconds").asLong(30);
        if (termination < grace.plus(WORKER_CLOSE).toSeconds()) {
            problems.add("worker: terminationGracePeriodSeconds " + termination + " is shorter than the shutdown grace "
                    + grace + " plus " + WORKER_CLOSE.toSeconds() + " s to leave the group and close the producer");
        }
        List<ObjectNode> scaled = Manifests.ofKind(objects, "ScaledObject");
        if (scaled.size() != 1) {
            problems.add("worker: " + scaled.size() + " ScaledObjects, expected one");
            return;
        }
        JsonNode spec = scaled.get(0).path("spec");
        if (!spec.path("scaleTargetRef").path("name").asText().equals(worker.path("metadata").path("name").asText())) {
            problems.add("ScaledObject does not scale the worker Deployment");
        }
        String partitions = env.getOrDefault("QF_KAFKA_TOPICS_TASKS_PARTITIONS", "12");
        if (spec.path("maxReplicaCount").asInt() != Integer.parseInt(partitions)) {
            problems.add("ScaledObject maxReplicaCount " + spec.path("maxReplicaCount").asInt()
                    + " is not the task topic's partition count " + partitions);
        }
        JsonNode trigger = spec.path("triggers").path(0);
        Map<String, String> fromEnv = new LinkedHashMap<>(Map.of("bootstrapServersFromEnv", "QF_KAFKA_BOOTSTRAP_SERVERS",
                "consumerGroupFromEnv", "QF_WORKER_GROUP", "topicFromEnv", "QF_KAFKA_TOPICS_TASKS_NAME"));
        if (!trigger.path("type").asText().equals("kafka")) {
            problems.add("ScaledObject's trigger is not kafka");
        }
        fromEnv.forEach((parameter, variable) -> {
            String given = trigger.path("metadata").path(parameter).asText();
            if (!given.equals(variable) || !env.containsKey(variable)) {
                problems.add("ScaledObject " + parameter + " must name " + variable + ", set in the worker's environment"
                        + " (it names '" + given + "')");
            }
        });
        String concurrency = env.getOrDefault("QF_WORKER_CONCURRENCY", "1");
        if (!trigger.path("metadata").path("lagThreshold").asText().equals(concurrency)) {
            problems.add("ScaledObject lagThreshold " + trigger.path("metadata").path("lagThreshold").asText()
                    + " is not the tasks one worker runs (" + concurrency + ")");
        }
        for (ObjectNode topic : Manifests.ofKind(objects, "KafkaTopic")) {
            String name = topic.path("metadata").path("name").asText();
            if (name.equals(env.get("QF_KAFKA_TOPICS_TASKS_NAME"))
                    && topic.path("spec").path("partitions").asInt() != Integer.parseInt(partitions)) {
                problems.add("KafkaTopic " + name + " has other partitions than QF_KAFKA_TOPICS_TASKS_PARTITIONS");
            }
        }
    }

    /** The container's variables by name; values from ConfigMaps, placeholders for Secrets and fields. */
    private static Map<String, String> environmentNames(List<ObjectNode> objects, JsonNode container) {
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode from : container.path("envFrom")) {
            env.putAll(configMaps(objects).getOrDefault(from.path("configMapRef").path("name").asText(), Map.of()));
        }
        for (JsonNode v : container.path("env")) {
            env.put(v.path("name").asText(), v.has("value") ? v.path("value").asText() : "<" + v.path("valueFrom") + ">");
        }
        return env;
    }

    private static Map<String, Map<String, String>> configMaps(List<ObjectNode> objects) {
        Map<String, Map<String, String>> maps = new HashMap<>();
        for (ObjectNode configMap : Manifests.ofKind(objects, "ConfigMap")) {
            maps.put(configMap.path("metadata").path("name").asText(), Manifests.data(configMap));
        }
        return maps;
    }
}
