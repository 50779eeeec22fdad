package dev.quantforge.engine.oci;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF variant as a CNCF ModelPack artifact (github.com/modelpack/model-spec, {@code docs/spec.md} and
 * {@code docs/config.md}): an OCI image manifest with artifactType {@code application/vnd.cncf.model.manifest.v1+json},
 * the model config ({@code application/vnd.cncf.model.config.v1+json}), the GGUF as one raw weight layer
 * ({@code application/vnd.cncf.model.weight.v1.raw}: the spec advises against compressing weights, and a raw layer
 * keeps the file usable as it is when mounted), and documentation files (model card, license) as raw doc layers.
 * Each layer carries {@code org.cncf.model.filepath}. Nothing depends on time: no createdAt, so the same variant
 * gives the same digest.
 */
public final class ModelPack {
    public static final String MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";
    public static final String ARTIFACT_TYPE = "application/vnd.cncf.model.manifest.v1+json";
    public static final String CONFIG = "application/vnd.cncf.model.config.v1+json";
    public static final String WEIGHT_RAW = "application/vnd.cncf.model.weight.v1.raw";
    public static final String DOC_RAW = "application/vnd.cncf.model.doc.v1.raw";
    public static final String FILEPATH = "org.cncf.model.filepath";

    private ModelPack() {
    }

    /**
     * @param name     the model's name for the config's descriptor
     * @param fileType the GGUF file type's name (Q4_K_M, …) for {@code quantization}, or null
     * @param docs     documentation files to add, in this order (README.md, LICENSE, …)
     */
    public static OciArtifact of(Path gguf, String ggufDigest, GgufFacts facts, String name, String fileType, List<Path> docs) {
        List<Blob> layers = new ArrayList<>();
        layers.add(Blob.of(new Descriptor(WEIGHT_RAW, ggufDigest, size(gguf), Map.of(FILEPATH, gguf.getFileName().toString())), gguf));
        for (Path doc : docs) {
            layers.add(Blob.of(new Descriptor(DOC_RAW, Digests.of(doc), size(doc), Map.of(FILEPATH, doc.getFileName().toString())), doc));
        }
        Map<String, Object> descriptor = new LinkedHashMap<>();
        descriptor.put("family", facts.architecture());
        descriptor.put("name", name);
        if (facts.license() != null) {
            descriptor.put("licenses", List.of(facts.license()));
        }
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("architecture", "transformer");
        config.put("format", "gguf");
        config.put("paramSize", paramSize(facts.parameterCount()));
        if (fileType != null) {
            config.put("quantization", fileType);
        }
        Map<String, Object> modelfs = new LinkedHashMap<>();
        modelfs.put("type", "layers");
        modelfs.put("diffIds", layers.stream().map(b -> (Object) b.digest()).toList()); // raw layers: the diffID is the digest
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("descriptor", descriptor);
        json.put("config", config);
        json.put("modelfs", modelfs);
        Blob configBlob = Blob.of(CONFIG, GoJson.encode(json));

        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", MANIFEST_MEDIA_TYPE);
        manifest.put("artifactType", ARTIFACT_TYPE);
        manifest.put("config", configBlob.descriptor().toJson());
        manifest.put("layers", layers.stream().map(b -> (Object) b.descriptor().toJson()).toList());
        List<Blob> blobs = new ArrayList<>();
        blobs.add(configBlob);
        blobs.addAll(layers);
        return new OciArtifact(MANIFEST_MEDIA_TYPE, GoJson.encode(manifest), blobs);
    }

    /** {@code <count><scale>} with at most one decimal, as the spec's paramSize: 292.7K, 8B, 6.7B. */
    static String paramSize(long n) {
        String[] prefixes = {"", "K", "M", "B", "T", "Q"};
        int i = 0;
        BigDecimal value = BigDecimal.valueOf(n);
        while (i < prefixes.length - 1 && value.compareTo(BigDecimal.valueOf(1000)) >= 0) {
            value = value.divide(BigDecimal.valueOf(1000));
            i++;
        }
        return value.setScale(1, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString() + prefixes[i];
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }
}
