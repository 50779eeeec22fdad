package dev.quantforge.engine.oci;

import java.util.List;

/**
 * What a push sends: the manifest (its exact bytes, whose sha256 is the artifact's digest) and every blob it
 * names, the config first.
 */
public record OciArtifact(String mediaType, byte[] manifest, List<Blob> blobs) {

    public OciArtifact {
        blobs = List.copyOf(blobs);
    }

    public String digest() {
        return Digests.of(manifest);
    }
}
