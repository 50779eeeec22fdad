package dev.quantforge.api.catalog;

import dev.quantforge.common.jobs.ResultLayout;

/** Which of a variant's stored files are its metadata rather than the model. */
final class CatalogFiles {

    private CatalogFiles() {
    }

    static boolean isMetadata(String uri) {
        String name = uri.substring(uri.lastIndexOf('/') + 1);
        return name.equals(ResultLayout.MANIFEST) || name.equals(ResultLayout.CARD) || name.equals(ResultLayout.BENCHMARK);
    }

    /** The file's name under the variant's prefix ({@code model-Q4_K_M.gguf}, {@code dir/model.safetensors}). */
    static String nameUnder(String prefix, String uri) {
        return uri.startsWith(prefix) ? uri.substring(prefix.length()) : uri.substring(uri.lastIndexOf('/') + 1);
    }
}
