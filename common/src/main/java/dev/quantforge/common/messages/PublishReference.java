package dev.quantforge.common.messages;

import dev.quantforge.common.InvalidInputException;

import java.util.Optional;

/**
 * Where a job publishes its variants, as the job gives it: {@code [oci://]HOST[:PORT]/REPO[:TAG]}, the repository in
 * lower-case path segments (the OCI distribution spec's rule), the tag optional. The API resolves it into one
 * reference per variant ({@link #forVariant}), so that the variants of one job never overwrite each other's tag.
 *
 * @param tag the tag the job gave, or null
 */
public record PublishReference(String registry, String repository, String tag) {
    /** A registry host (name, IPv4 or bracketed IPv6) and an optional port. */
    public static final String REGISTRY = "[A-Za-z0-9.-]+(:[0-9]{1,5})?|\\[[0-9a-fA-F:]+](:[0-9]{1,5})?";
    /** The OCI distribution spec's repository name: lower-case path components joined by '/'. */
    public static final String REPOSITORY = "[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*";
    /** The OCI distribution spec's tag. */
    public static final String TAG = "[A-Za-z0-9_][A-Za-z0-9._-]{0,127}";
    private static final int MAX_TAG = 128;

    public PublishReference {
        if (registry == null || registry.isEmpty() || !registry.matches(REGISTRY)) {
            throw new InvalidInputException("registry '" + registry + "' is not HOST[:PORT]");
        }
        if (repository == null || !repository.matches(REPOSITORY)) {
            throw new InvalidInputException("repository '" + repository + "' must be lower-case path segments of letters,"
                    + " digits and '.', '_', '-' separators (e.g. models/llama)");
        }
        if (tag != null && !tag.matches(TAG)) {
            throw new InvalidInputException("tag '" + tag + "' must be 1 to 128 letters, digits, '_', '.' or '-', not"
                    + " starting with '.' or '-'");
        }
    }

    /** {@code [oci://]HOST[:PORT]/REPO[:TAG]}; a digest ({@code @sha256:…}) is not a place to push to. */
    public static PublishReference parse(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidInputException("is empty; expected HOST[:PORT]/REPO[:TAG]");
        }
        String rest = text.strip();
        rest = rest.startsWith("oci://") ? rest.substring("oci://".length()) : rest;
        if (rest.contains("@")) {
            throw new InvalidInputException("'" + text + "' names a digest; a push needs HOST[:PORT]/REPO[:TAG]");
        }
        int slash = rest.indexOf('/');
        if (slash <= 0 || slash == rest.length() - 1) {
            throw new InvalidInputException("'" + text + "' is not HOST[:PORT]/REPO[:TAG] (e.g. registry.example.com/models/llama:q4km)");
        }
        String path = rest.substring(slash + 1);
        String tag = null;
        int colon = path.lastIndexOf(':');
        if (colon >= 0) {
            tag = path.substring(colon + 1);
            path = path.substring(0, colon);
        }
        return new PublishReference(rest.substring(0, slash), path, tag);
    }

    public Optional<String> givenTag() {
        return Optional.ofNullable(tag);
    }

    /**
     * The reference one variant is pushed to: without a tag in the job, the variant's name is the tag
     * ({@code …/llama:Q4_K_M}); with a tag and one variant in the job, the tag as given; with a tag and several
     * variants, the tag and the variant ({@code …/llama:v1-Q4_K_M}), so that no variant overwrites another's.
     */
    public String forVariant(String variant, boolean severalVariants) {
        String resolved = tag == null ? tagOf(variant) : severalVariants ? tagOf(tag + "-" + variant) : tag;
        return registry + "/" + repository + ":" + resolved;
    }

    /** A variant's name in the characters a tag allows, at most 128 of them. */
    static String tagOf(String name) {
        String safe = name.replaceAll("[^A-Za-z0-9_.-]", "-").replaceAll("^[.-]+", "");
        safe = safe.isEmpty() ? "latest" : safe;
        return safe.length() > MAX_TAG ? safe.substring(0, MAX_TAG) : safe;
    }

    @Override
    public String toString() {
        return registry + "/" + repository + (tag == null ? "" : ":" + tag);
    }
}
