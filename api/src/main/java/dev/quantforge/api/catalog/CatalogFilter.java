package dev.quantforge.api.catalog;

import java.util.Map;
import java.util.Optional;

/**
 * What a catalog query keeps: a part of the model name (case-insensitive), a format, a profile, a hardware target
 * (an os, arch or accelerator of the profile's target, e.g. {@code aarch64}), labels of the job (all must match),
 * and REJECTED variants only when asked.
 */
public record CatalogFilter(Optional<String> name, Optional<String> format, Optional<String> profile,
                            Optional<String> target, Map<String, String> labels, boolean includeRejected) {

    public static CatalogFilter none() {
        return new CatalogFilter(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Map.of(), false);
    }
}
