package dev.quantforge.engine.deploy;

import dev.quantforge.engine.EngineVersion;
import dev.quantforge.engine.io.PartialFiles;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What serving a variant takes, written beside it under {@code deploy/}: a {@code Dockerfile} (GGUF: llama.cpp's server
 * image; ONNX: a small onnxruntime-genai server, {@code serve.py}; MLX: {@code mlx_lm.server}), a {@code compose.yaml},
 * {@code kubernetes.yaml} (a Deployment with startup, readiness and liveness probes and resources sized from the
 * variant, and a Service) and a {@code README.md} that says how the figures were made. Rendered from the templates
 * beside this class with the variant's figures ({@link ServingFacts}); the same facts give the same bytes.
 *
 * <p>Memory request = model bytes × 1.2 + KV cache for the context (2 × layers × context × K/V width × 2 bytes, f16;
 * 4 bytes for ONNX, whose cache is float32 unless the variant is fp16) + the server's own overhead (256 MiB for
 * llama.cpp, 512 MiB for the Python servers), rounded up to 64 MiB; limit = request × 1.25, rounded up to 64 MiB.
 */
public final class DeploymentBundle {
    /** The port every server listens on. */
    public static final int PORT = 8080;
    /** The directory under a variant's prefix. */
    public static final String DIR = "deploy/";
    static final long MIB = 1L << 20;
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([A-Za-z]+)}}");

    private DeploymentBundle() {
    }

    /** The bundle's files, by name under {@code deploy/}, in a fixed order. */
    public static Map<String, byte[]> render(ServingFacts facts) {
        Map<String, String> values = values(facts);
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("Dockerfile", fill(template(facts.format().name().toLowerCase(Locale.ROOT) + ".Dockerfile"), values));
        if (facts.format() == ServingFacts.Format.ONNX) {
            files.put("serve.py", fill(template("serve.py"), values));
        }
        files.put("compose.yaml", fill(template("compose.yaml"), values));
        files.put("kubernetes.yaml", fill(template("kubernetes.yaml"), values));
        files.put("README.md", fill(template("README.md"), values));
        return files;
    }

    /** Writes the bundle into {@code dir} (created; files already there are replaced). */
    public static Map<String, byte[]> write(ServingFacts facts, Path dir) {
        Map<String, byte[]> files = render(facts);
        try {
            Files.createDirectories(dir);
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                PartialFiles.write(dir.resolve(file.getKey()), file.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": " + e.getMessage(), e);
        }
        return files;
    }

    /** Memory the server needs, in MiB, per the formula in the class comment. */
    public static long memoryRequestMi(ServingFacts facts) {
        long bytes = Math.round(facts.modelBytes() * 1.2) + kvCacheBytes(facts) + overheadMi(facts) * MIB;
        return roundUp64(ceilMi(bytes));
    }

    public static long memoryLimitMi(ServingFacts facts) {
        return roundUp64((long) Math.ceil(memoryRequestMi(facts) * 1.25));
    }

    static long kvCacheBytes(ServingFacts facts) {
        return 2L * facts.layers() * facts.context() * facts.kvWidth() * kvValueBytes(facts);
    }

    private static int kvValueBytes(ServingFacts facts) {
        return facts.format() == ServingFacts.Format.ONNX && !facts.variant().toLowerCase(Locale.ROOT).contains("fp16") ? 4 : 2;
    }

    private static long overheadMi(ServingFacts facts) {
        return facts.format() == ServingFacts.Format.GGUF ? 256 : 512;
    }

    /**
     * A Kubernetes name (DNS-1123 label, at most 63) for the model and variant: lower case, '-' for anything else,
     * e.g. {@code stories260k-q4-k-m}.
     */
    public static String kubernetesName(String model, String variant) {
        String name = (model + "-" + variant).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-")
                .replaceAll("-{2,}", "-").replaceAll("^[^a-z0-9]+", "");
        name = name.length() > 63 ? name.substring(0, 63) : name;
        name = name.replaceAll("[^a-z0-9]+$", "");
        return name.isEmpty() ? "model" : name;
    }

    /** A Kubernetes label value: at most 63 of letters, digits, '-', '_', '.', starting and ending alphanumeric. */
    static String labelValue(String s) {
        String v = s.replaceAll("[^A-Za-z0-9_.-]", "-");
        v = v.length() > 63 ? v.substring(0, 63) : v;
        return v.replaceAll("^[^A-Za-z0-9]+", "").replaceAll("[^A-Za-z0-9]+$", "");
    }

    private static Map<String, String> values(ServingFacts f) {
        String name = kubernetesName(f.model(), f.variant());
        Map<String, String> v = new LinkedHashMap<>();
        v.put("model", f.model());
        v.put("variant", f.variant());
        v.put("variantLabel", labelValue(f.variant()));
        v.put("name", name);
        v.put("image", "quantforge/" + name + ":latest");
        v.put("format", f.format().name());
        v.put("modelFile", f.modelFile());
        v.put("modelBytes", Long.toString(f.modelBytes()));
        v.put("context", Integer.toString(f.context()));
        v.put("maxContext", Integer.toString(ServingFacts.MAX_CONTEXT));
        v.put("threads", Integer.toString(f.threads()));
        v.put("threadsOrigin", "");
        v.put("port", Integer.toString(PORT));
        v.put("engineVersion", EngineVersion.get());
        v.put("memoryRequestMi", Long.toString(memoryRequestMi(f)));
        v.put("memoryLimitMi", Long.toString(memoryLimitMi(f)));
        v.put("modelMi", Long.toString(ceilMi(Math.round(f.modelBytes() * 1.2))));
        v.put("kvMi", Long.toString(ceilMi(kvCacheBytes(f))));
        v.put("layers", Integer.toString(f.layers()));
        v.put("kvWidth", Long.toString(f.kvWidth()));
        v.put("kvBytes", Integer.toString(kvValueBytes(f)));
        v.put("overheadMi", Long.toString(overheadMi(f)));
        switch (f.format()) {
            case GGUF -> {
                v.put("server", "llama.cpp's server (ghcr.io/ggml-org/llama.cpp:server)");
                v.put("healthPath", "/health");
                v.put("composeHealthcheck", "[\"CMD\", \"curl\", \"-fsS\", \"http://localhost:" + PORT + "/health\"]");
                v.put("contextKnob", "`LLAMA_ARG_CTX_SIZE`");
                v.put("extraFiles", "");
            }
            case ONNX -> {
                v.put("server", "a small onnxruntime-genai server (serve.py: GET /health, POST /generate)");
                v.put("healthPath", "/health");
                v.put("composeHealthcheck", pythonCheck("/health"));
                v.put("contextKnob", "`QF_CONTEXT`");
                v.put("extraFiles", "| `serve.py` | the server: `GET /health`, `POST /generate {\"prompt\": …, \"max_tokens\": 64}` |\n");
            }
            case MLX -> {
                v.put("server", "mlx-lm's server (mlx_lm.server, OpenAI-compatible; MLX's CPU backend in the image)");
                v.put("healthPath", "/v1/models");
                v.put("composeHealthcheck", pythonCheck("/v1/models"));
                v.put("contextKnob", "the request's `max_tokens`");
                v.put("extraFiles", "");
            }
        }
        return v;
    }

    private static String pythonCheck(String path) {
        return "[\"CMD\", \"python\", \"-c\", \"import urllib.request; urllib.request.urlopen('http://localhost:" + PORT + path
                + "')\"]";
    }

    private static byte[] fill(String template, Map<String, String> values) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = values.get(m.group(1));
            if (value == null) {
                throw new IllegalStateException("deployment template placeholder {{" + m.group(1) + "}} has no value");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String template(String name) {
        try (InputStream in = DeploymentBundle.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("deployment template " + name + " is missing from the engine");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long ceilMi(long bytes) {
        return (bytes + MIB - 1) / MIB;
    }

    private static long roundUp64(long mi) {
        return (mi + 63) / 64 * 64;
    }
}
