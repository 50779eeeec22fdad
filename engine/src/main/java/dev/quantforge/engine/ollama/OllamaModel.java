package dev.quantforge.engine.ollama;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.io.PartialFiles;
import dev.quantforge.engine.oci.Blob;
import dev.quantforge.engine.oci.Descriptor;
import dev.quantforge.engine.oci.Digests;
import dev.quantforge.engine.oci.GgufFacts;
import dev.quantforge.engine.oci.GoJson;
import dev.quantforge.engine.oci.OciArtifact;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A GGUF model as Ollama stores it (Ollama {@code server/create.go}, {@code manifest/}, {@code types/model} at
 * commit fb30760, v0.33): a Docker v2 manifest whose config blob is Ollama's {@code ConfigV2}
 * ({@code application/vnd.docker.container.image.v1+json}) and whose layers are the GGUF
 * ({@code application/vnd.ollama.image.model}) and, where known, a template, a system prompt, a license and
 * parameters, in that order. Every blob is written as Go's encoder writes it, so the digests are Ollama's for
 * the same content, and nothing depends on time or place: the same GGUF and options give the same digests.
 *
 * <p>No template layer is derived from {@code tokenizer.chat_template}: that is a Jinja template and Ollama's
 * {@code TEMPLATE} is a Go template; Ollama reads the GGUF's own chat template when a model has no template layer,
 * and {@code ollama create} on the Modelfile picks its own.
 */
public final class OllamaModel {
    public static final String MANIFEST_MEDIA_TYPE = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String CONFIG_MEDIA_TYPE = "application/vnd.docker.container.image.v1+json";
    public static final String MODEL = "application/vnd.ollama.image.model";
    public static final String TEMPLATE = "application/vnd.ollama.image.template";
    public static final String SYSTEM = "application/vnd.ollama.image.system";
    public static final String LICENSE = "application/vnd.ollama.image.license";
    public static final String PARAMS = "application/vnd.ollama.image.params";

    /** Ollama's {@code ggml.FileType.String()} by {@code general.file_type}; null for what it calls "unknown". */
    private static final String[] FILE_TYPES = {
            null /* 0 = F32, but Ollama reads only file types > 0 */, "F16", "Q4_0", "Q4_1", null, null, null, "Q8_0",
            "Q5_0", "Q5_1", "Q2_K", "Q3_K_S", "Q3_K_M", "Q3_K_L", "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M", "Q6_K",
            "IQ2_XXS", "IQ2_XS", "Q2_K_S", "IQ3_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S", "IQ3_M", "IQ2_S", "IQ2_M",
            "IQ4_XS", "IQ1_M", "BF16", null, null, null, "TQ1_0", "TQ2_0", "MXFP4_MOE", "NVFP4", "Q1_0"};

    /** Template, system prompt and parameters that the GGUF does not hold; each may be absent. */
    public record Options(String template, String system, OllamaParameters parameters) {
        public static Options none() {
            return new Options(null, null, new OllamaParameters());
        }
    }

    private final Path gguf;
    private final String family;
    private final String modelType;
    private final String fileType;
    private final long parameterCount;
    private final Options options;
    private final String license;
    private final Blob model;
    private final Blob config;
    private final List<Blob> layers;
    private final byte[] manifest;

    private OllamaModel(Path gguf, String family, long parameterCount, String fileType, String license, Options options,
                        String modelDigest, long modelSize) {
        this.gguf = gguf;
        this.family = family;
        this.parameterCount = parameterCount;
        this.modelType = humanNumber(parameterCount);
        this.fileType = fileType;
        this.license = license;
        this.options = options;
        this.model = Blob.of(new Descriptor(MODEL, modelDigest, modelSize), gguf);
        List<Blob> all = new ArrayList<>();
        all.add(model);
        if (options.template() != null && !options.template().isEmpty()) {
            all.add(Blob.of(TEMPLATE, utf8(options.template())));
        }
        if (options.system() != null && !options.system().isEmpty()) {
            all.add(Blob.of(SYSTEM, utf8(options.system())));
        }
        if (license != null && !license.isEmpty()) {
            all.add(Blob.of(LICENSE, utf8(license)));
        }
        if (!options.parameters().isEmpty()) {
            all.add(Blob.of(PARAMS, options.parameters().blob()));
        }
        this.layers = List.copyOf(all);
        this.config = Blob.of(CONFIG_MEDIA_TYPE, configJson());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schemaVersion", 2);
        m.put("mediaType", MANIFEST_MEDIA_TYPE);
        m.put("config", config.descriptor().toJson());
        m.put("layers", layers.stream().map(b -> (Object) b.descriptor().toJson()).toList());
        this.manifest = GoJson.encode(m);
    }

    /**
     * Reads what Ollama needs from the GGUF's metadata ({@link GgufFacts}, which refuses a GGUF without it) and
     * hashes the file.
     */
    public static OllamaModel of(Path gguf, Options options) {
        GgufFacts facts = GgufFacts.read(gguf);
        String family = facts.architecture();
        long parameters = facts.parameterCount();
        Long id = facts.fileTypeId(); // Ollama reads file types > 0 only
        String fileType = fileTypeName(id);
        String license = facts.license();
        for (String text : new String[] {options.template(), options.system(), license}) {
            if (text != null && text.contains("\"\"\"")) {
                throw new InvalidInputException(gguf + ": a template, system prompt or license holding \"\"\" cannot be"
                        + " written in a Modelfile");
            }
        }
        long size;
        try {
            size = Files.size(gguf);
        } catch (IOException e) {
            throw new UncheckedIOException(gguf + ": " + e.getMessage(), e);
        }
        return new OllamaModel(gguf, family, parameters, fileType == null ? "unknown" : fileType, license, options,
                Digests.of(gguf), size);
    }

    /** Ollama's name of a {@code general.file_type} (Q4_K_M, …), or null where Ollama says "unknown" (absent, 0, unlisted). */
    public static String fileTypeName(Long id) {
        return id != null && id > 0 && id < FILE_TYPES.length ? FILE_TYPES[id.intValue()] : null;
    }

    /** Ollama's {@code ConfigV2} as {@code createConfigLayer} encodes it (Ollama no longer writes {@code rootfs}). */
    private byte[] configJson() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("model_format", "gguf");
        c.put("model_family", family);
        c.put("model_families", List.of(family));
        c.put("model_type", modelType);
        c.put("file_type", fileType);
        c.put("architecture", "amd64");
        c.put("os", "linux");
        return GoJson.encode(c);
    }

    /** Ollama's {@code format.HumanNumber}: 260K, 1.1B, 7B, 15.03M. */
    static String humanNumber(long n) {
        if (n >= 1_000_000_000L) {
            return scaled(n, 1_000_000_000L, 1) + "B";
        }
        if (n >= 1_000_000L) {
            return scaled(n, 1_000_000L, 2) + "M";
        }
        if (n >= 1_000L) {
            // Go's %.0f rounds half to even on the float64 quotient
            return new BigDecimal((double) n / 1000).setScale(0, RoundingMode.HALF_EVEN).toPlainString() + "K";
        }
        return Long.toString(n);
    }

    private static String scaled(long n, long unit, int decimals) {
        double number = (double) n / unit;
        int scale = number == Math.floor(number) ? 0 : decimals;
        return new BigDecimal(number).setScale(scale, RoundingMode.HALF_EVEN).toPlainString();
    }

    public String family() {
        return family;
    }

    public String modelType() {
        return modelType;
    }

    public String fileType() {
        return fileType;
    }

    public long parameterCount() {
        return parameterCount;
    }

    public Optional<String> license() {
        return Optional.ofNullable(license);
    }

    public Blob config() {
        return config;
    }

    /** The model layer first, then template, system, license, params where present. */
    public List<Blob> layers() {
        return layers;
    }

    public byte[] manifest() {
        return manifest.clone();
    }

    /** The manifest with its config and layers, config first, for a registry. */
    public OciArtifact artifact() {
        List<Blob> blobs = new ArrayList<>();
        blobs.add(config);
        blobs.addAll(layers);
        return new OciArtifact(MANIFEST_MEDIA_TYPE, manifest, blobs);
    }

    /** What {@link #writeLayout} wrote. */
    public record Layout(Path dir, Path manifest, Path modelfile, List<Path> blobs, String manifestDigest) {
    }

    /**
     * Writes Ollama's store layout under {@code dir} (which may be an {@code $OLLAMA_MODELS} directory already
     * holding other models): {@code blobs/sha256-<hex>} for the config and every layer (a blob already there with
     * the right size is kept), {@code manifests/registry.ollama.ai/<namespace>/<model>/<tag>}, and a
     * {@code Modelfile} beside them. Each file goes to a temporary sibling first and is renamed when complete.
     */
    public Layout writeLayout(Path dir, OllamaName name) {
        try {
            Path blobsDir = Files.createDirectories(dir.resolve("blobs"));
            List<Path> written = new ArrayList<>();
            List<Blob> all = new ArrayList<>(layers);
            all.add(config);
            for (Blob blob : all) {
                Path target = blobsDir.resolve("sha256-" + Digests.hex(blob.digest()));
                written.add(target);
                if (Files.isRegularFile(target) && Files.size(target) == blob.size()) {
                    continue;
                }
                if (blob.file() == null) {
                    PartialFiles.write(target, blob.bytes());
                } else {
                    PartialFiles.write(target, out -> {
                        if (!Digests.copy(blob.file(), out).equals(blob.digest())) {
                            throw new InvalidInputException(blob.file() + " changed while it was packaged");
                        }
                    });
                }
            }
            Path manifestFile = dir.resolve(name.manifestPath());
            PartialFiles.write(manifestFile, manifest);
            Path modelfile = dir.resolve("Modelfile");
            PartialFiles.write(modelfile, utf8(modelfile(name)));
            return new Layout(dir, manifestFile, modelfile, written, Digests.of(manifest));
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * A Modelfile that {@code ollama create NAME -f Modelfile} accepts in the layout's directory: {@code FROM} the
     * model blob (a GGUF by its magic, whatever its name), then what the layers hold, quoted the way Ollama's
     * parser reads it back.
     */
    public String modelfile(OllamaName name) {
        StringBuilder m = new StringBuilder();
        m.append("# Modelfile for ").append(name).append(", written by quantforge from ").append(gguf.getFileName()).append('\n');
        m.append("# ").append(family).append(", ").append(modelType).append(" parameters, ").append(fileType).append('\n');
        m.append("# In this directory: ollama create ").append(name).append(" -f Modelfile\n");
        m.append("FROM ./blobs/sha256-").append(Digests.hex(model.digest())).append('\n');
        if (options.template() != null && !options.template().isEmpty()) {
            m.append("TEMPLATE \"\"\"").append(options.template()).append("\"\"\"\n");
        }
        if (options.system() != null && !options.system().isEmpty()) {
            m.append("SYSTEM \"\"\"").append(options.system()).append("\"\"\"\n");
        }
        for (Map.Entry<String, String> p : options.parameters().lines()) {
            m.append("PARAMETER ").append(p.getKey()).append(' ').append(parameterValue(p.getValue())).append('\n');
        }
        if (license != null && !license.isEmpty()) {
            m.append("LICENSE \"\"\"").append(license).append("\"\"\"\n");
        }
        return m.toString();
    }

    /** Ollama's parser keeps an unquoted value to the end of the line; quotes keep outer spaces and newlines. */
    private static String parameterValue(String value) {
        boolean plain = !value.isEmpty() && !value.contains("\n") && !value.contains("\r") && !value.startsWith(" ")
                && !value.endsWith(" ") && !value.startsWith("\"");
        return plain ? value : "\"\"\"" + value + "\"\"\"";
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
