package dev.quantforge.engine.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the real models the repository bundles ({@code models/} at its root), or wherever the
 * {@code quantforge.models} system property points.
 */
public final class Models {
    private Models() {
    }

    /** stories260K in Hugging Face layout: F32 at the root, {@code model-bf16/}, {@code model-sharded/}. */
    public static Path stories260K() {
        return model("stories260K-hf");
    }

    private static Path model(String name) {
        String configured = System.getProperty("quantforge.models");
        if (configured != null) {
            return require(Path.of(configured).resolve(name));
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("models").resolve(name);
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("test model " + name + " not found in any models/ above "
                + Path.of("").toAbsolutePath() + "; set -Dquantforge.models=DIR");
    }

    private static Path require(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("test model directory " + dir + " does not exist");
        }
        return dir;
    }
}
