package dev.quantforge.engine.oci;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.common.messages.PublishReference;

/**
 * {@code [oci://]HOST[:PORT]/REPO[:TAG]}: a registry, a repository (path segments of lowercase letters, digits and
 * separators, as the distribution spec allows) and a tag ({@code latest} unless given).
 */
public record OciReference(String registry, String repository, String tag) {
    // one rule with the API's check of a job's "publish" targets
    private static final String REPOSITORY = PublishReference.REPOSITORY;
    private static final String TAG = PublishReference.TAG;

    public OciReference {
        if (registry.isEmpty() || !registry.matches(PublishReference.REGISTRY)) {
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
