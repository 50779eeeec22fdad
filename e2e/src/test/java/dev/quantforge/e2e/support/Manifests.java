package dev.quantforge.e2e.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The manifests under {@code k8s/} as a cluster would get them: {@code kubectl kustomize} renders an overlay, and a
 * container's environment is worked out from the rendered objects as the kubelet does it (the ConfigMaps of
 * {@code envFrom}, then {@code env} with its ConfigMap, Secret and field references).
 */
public final class Manifests {
    private static final ObjectMapper YAML = new YAMLMapper();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long TIMEOUT_SECONDS = 60;
    private static final long NPM_TIMEOUT_SECONDS = 600;

    private Manifests() {
    }

    public static Path k8s() {
        return Product.root().resolve("k8s");
    }

    /** {@code kubectl kustomize k8s/overlays/<overlay>}: every object it renders. */
    public static List<ObjectNode> render(String overlay) {
        return kustomize(k8s().resolve("overlays").resolve(overlay));
    }

    /** {@code kubectl kustomize DIR} (offline: no cluster needed): every object it renders. */
    public static List<ObjectNode> kustomize(Path dir) {
        String yaml = run(List.of("kubectl", "kustomize", dir.toString()), TIMEOUT_SECONDS);
        return parseYaml(yaml, dir.toString());
    }

    /** The objects of a multi-document YAML text (empty documents left out). */
    public static List<ObjectNode> parseYaml(String yaml, String what) {
        List<ObjectNode> objects = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(yaml)) {
            for (var it = YAML.readValues(parser, ObjectNode.class); it.hasNext(); ) {
                ObjectNode object = it.next();
                if (object != null && !object.isEmpty()) {
                    objects.add(object);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(what + " is not YAML", e);
        }
        return objects;
    }

    /**
     * Validates the objects with {@code k8s/validate/validate.mjs} (Kubernetes, KEDA and Prometheus operator schemas,
     * shape checks for Strimzi and CloudNativePG); returns its report, one line per object. Fails when node fails.
     */
    public static String validate(List<ObjectNode> objects, Path scratch) {
        Path validator = k8s().resolve("validate");
        if (!Files.isDirectory(validator.resolve("node_modules"))) {
            // the schema packages, as package-lock.json pins them; their install scripts would download
            run(List.of("npm", "ci", "--prefix", validator.toString(), "--ignore-scripts", "--no-audit", "--no-fund"),
                    NPM_TIMEOUT_SECONDS);
        }
        try {
            Files.createDirectories(scratch);
            Path input = Files.createTempFile(scratch, "objects", ".json");
            JSON.writeValue(input.toFile(), objects);
            return run(List.of("node", validator.resolve("validate.mjs").toString(), input.toString()), TIMEOUT_SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<ObjectNode> ofKind(List<ObjectNode> objects, String kind) {
        return objects.stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
    }

    public static ObjectNode find(List<ObjectNode> objects, String kind, String name) {
        return objects.stream().filter(o -> o.path("kind").asText().equals(kind)
                        && o.path("metadata").path("name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in the rendering"));
    }

    /** The pod spec of a Deployment or StatefulSet. */
    public static JsonNode podSpec(JsonNode workload) {
        return workload.path("spec").path("template").path("spec");
    }

    public static JsonNode container(JsonNode workload, String name) {
        for (JsonNode c : podSpec(workload).path("containers")) {
            if (c.path("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no container " + name + " in " + workload.path("metadata").path("name").asText());
    }

    /** A ConfigMap's data. */
    public static Map<String, String> data(JsonNode configMap) {
        Map<String, String> data = new LinkedHashMap<>();
        configMap.path("data").fields().forEachRemaining(e -> data.put(e.getKey(), e.getValue().asText()));
        return data;
    }

    /**
     * The container's environment as the kubelet makes it: {@code envFrom} ConfigMaps first, then {@code env}
     * (which wins). {@code secrets} holds the Secrets' values (name → key → value), {@code podName} what
     * {@code metadata.name} resolves to. A reference to a missing ConfigMap, Secret or key throws, as the kubelet
     * refuses to start such a container.
     */
    public static Map<String, String> environment(List<ObjectNode> objects, JsonNode container,
                                                  Map<String, Map<String, String>> secrets, String podName) {
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode from : container.path("envFrom")) {
            if (from.has("configMapRef")) {
                env.putAll(data(find(objects, "ConfigMap", from.path("configMapRef").path("name").asText())));
            } else {
                throw new AssertionError("envFrom other than a ConfigMap: " + from);
            }
        }
        for (JsonNode variable : container.path("env")) {
            String name = variable.path("name").asText();
            if (variable.has("value")) {
                env.put(name, variable.path("value").asText());
                continue;
            }
            JsonNode source = variable.path("valueFrom");
            if (source.has("configMapKeyRef")) {
                JsonNode ref = source.path("configMapKeyRef");
                Map<String, String> data = data(find(objects, "ConfigMap", ref.path("name").asText()));
                String key = ref.path("key").asText();
                if (!data.containsKey(key)) {
                    throw new AssertionError(name + ": ConfigMap " + ref.path("name").asText() + " has no key " + key);
                }
                env.put(name, data.get(key));
            } else if (source.has("secretKeyRef")) {
                JsonNode ref = source.path("secretKeyRef");
                String secret = ref.path("name").asText();
                String key = ref.path("key").asText();
                String value = secrets.getOrDefault(secret, Map.of()).get(key);
                if (value == null) {
                    throw new AssertionError(name + ": Secret " + secret + " has no key " + key);
                }
                env.put(name, value);
            } else if (source.path("fieldRef").path("fieldPath").asText().equals("metadata.name")) {
                env.put(name, podName);
            } else {
                throw new AssertionError(name + ": a value source these tests do not resolve: " + source);
            }
        }
        return env;
    }

    /** Runs a command; its standard output, or an AssertionError with both outputs when it fails. */
    static String run(List<String> command, long timeoutSeconds) {
        try {
            Path err = Files.createTempFile("cmd", ".err");
            Process process = new ProcessBuilder(command).redirectError(err.toFile()).start();
            process.getOutputStream().close();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not end within " + timeoutSeconds + " s");
            }
            String stdout = new String(out, StandardCharsets.UTF_8);
            String stderr = Files.readString(err);
            Files.delete(err);
            if (process.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " failed (" + process.exitValue() + "):\n"
                        + stdout + stderr);
            }
            return stdout;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A deep copy, for a test that breaks one. */
    public static List<ObjectNode> copy(List<ObjectNode> objects) {
        ArrayNode array = JSON.valueToTree(objects);
        List<ObjectNode> copy = new ArrayList<>();
        array.forEach(o -> copy.add((ObjectNode) o.deepCopy()));
        return copy;
    }
}
