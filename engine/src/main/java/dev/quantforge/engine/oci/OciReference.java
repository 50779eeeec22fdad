package dev.quantforge.engine.oci;

import dev.quantforge.common.InvalidInputException;

/**
 * {@code [oci://]HOST[:PORT]/REPO[:TAG]}: a registry, a repository (path segments of lowercase letters, digits and
 * separators, as the distribution spec allows) and a tag ({@code latest} unless given).
 */
public record OciReference(String registry, String repository, String tag) {
    private static final String REPOSITORY = "[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*";
    private static final String TAG = "[A-Za-z0-9_][A-Za-z0-9._-]{0,127}";

    public OciReference {
        if (registry.isEmpty() || !registry.matches("[A-Za-z0-9.-]+(:[0-9]{1,5})?|\\[[0-9a-fA-F:]+](:[0-9]{1,5})?")) {
            throw new InvalidInputException("registry '" + registry + "' is not HOST[:PORT]");
        }
        if (!repository.matches(REPOSITORY)) {
            throw new InvalidInputException("repository '" + repository + "' must be lowercase path segments of letters,"
                    + " digits, '.', '_', '-'");
        }
        if (!tag.matches(TAG)) {
            throw new InvalidInputException("tag '" + tag + "' must be 1-128 letters, digits, '_', '.', '-'");
        }
    }

    public static OciReference parse(String text) {
        String rest = text.startsWith("oci://") ? text.substring("oci://".length()) : text;
        int slash = rest.indexOf('/');
        if (slash <= 0 || slash == rest.length() - 1) {
            throw new InvalidInputException("'" + text + "' is not oci://HOST[:PORT]/REPO[:TAG]");
        }
        String registry = rest.substring(0, slash);
        String path = rest.substring(slash + 1);
        String tag = "latest";
        int colon = path.lastIndexOf(':');
        if (colon >= 0) {
            tag = path.substring(colon + 1);
            path = path.substring(0, colon);
        }
        return new OciReference(registry, path, tag);
    }

    @Override
    public String toString() {
        return registry + "/" + repository + ":" + tag;
    }
}
