package dev.quantforge.engine.oci;

import java.nio.file.Path;

/** A blob to push: its descriptor and its content, either a file or bytes in memory. */
public record Blob(Descriptor descriptor, Path file, byte[] bytes) {

    public Blob {
        if ((file == null) == (bytes == null)) {
            throw new IllegalArgumentException("a blob has either a file or bytes");
        }
    }

    public static Blob of(String mediaType, byte[] bytes) {
        return new Blob(new Descriptor(mediaType, Digests.of(bytes), bytes.length), null, bytes);
    }

    public static Blob of(Descriptor descriptor, Path file) {
        return new Blob(descriptor, file, null);
    }

    public String digest() {
        return descriptor.digest();
    }

    public long size() {
        return descriptor.size();
    }
}
