package dev.quantforge.engine.oci;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * An OCI content descriptor: what a manifest says of a blob.
 *
 * @param annotations written in sorted order (a Go map); empty for none
 */
public record Descriptor(String mediaType, String digest, long size, Map<String, String> annotations) {

    public Descriptor {
        Digests.hex(digest);
        annotations = Map.copyOf(annotations);
    }

    public Descriptor(String mediaType, String digest, long size) {
        this(mediaType, digest, size, Map.of());
    }

    /** The fields in the order of Go's {@code ocispec.Descriptor} (and Ollama's {@code Layer}). */
    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("mediaType", mediaType);
        json.put("digest", digest);
        json.put("size", size);
        if (!annotations.isEmpty()) {
            json.put("annotations", new TreeMap<>(annotations));
        }
        return json;
    }
}
