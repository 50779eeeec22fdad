package dev.quantforge.common.messages;

import java.util.Locale;
import java.util.Objects;

/**
 * A registry a SUCCEEDED variant is pushed to after it is published to S3: {@code oci} is {@code HOST[:PORT]/REPO:TAG}
 * (an {@code oci://} prefix allowed), {@code format} is {@code ollama} (default) or {@code modelpack}.
 */
public record PublishTarget(String oci, String format) {
    public PublishTarget {
        Objects.requireNonNull(oci, "oci");
        format = format == null || format.isBlank() ? "ollama" : format.trim().toLowerCase(Locale.ROOT);
    }
}
