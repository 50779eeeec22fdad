package dev.quantforge.engine.ollama;

import dev.quantforge.common.InvalidInputException;

import java.nio.file.Path;

/**
 * A model name as Ollama stores it locally: {@code registry.ollama.ai/<namespace>/<model>/<tag>} under
 * {@code manifests/}, namespace {@code library} and tag {@code latest} unless given. Parts follow Ollama's
 * {@code types/model} rules: 1–80 characters of letters, digits, {@code _}, {@code -} and {@code .} (not in a
 * namespace), starting with a letter, digit or {@code _}.
 */
public record OllamaName(String namespace, String model, String tag) {
    public static final String HOST = "registry.ollama.ai";

    public OllamaName {
        check("namespace", namespace, false);
        check("model", model, true);
        check("tag", tag, true);
    }

    /** {@code [NAMESPACE/]MODEL[:TAG]}. */
    public static OllamaName parse(String text) {
        String rest = text;
        String tag = "latest";
        int colon = rest.lastIndexOf(':');
        if (colon >= 0) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
        }
        String namespace = "library";
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            namespace = rest.substring(0, slash);
            rest = rest.substring(slash + 1);
        }
        try {
            return new OllamaName(namespace, rest, tag);
        } catch (InvalidInputException e) {
            throw new InvalidInputException("Ollama model name '" + text + "': " + e.getMessage());
        }
    }

    private static void check(String part, String s, boolean dotAllowed) {
        boolean ok = s != null && !s.isEmpty() && s.length() <= 80;
        for (int i = 0; ok && i < s.length(); i++) {
            char c = s.charAt(i);
            boolean word = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_';
            ok = word || i > 0 && (c == '-' || c == '.' && dotAllowed);
        }
        if (!ok) {
            throw new InvalidInputException(part + " '" + s + "' must be 1-80 letters, digits, '_', '-'"
                    + (dotAllowed ? " or '.'" : "") + ", starting with a letter, digit or '_'");
        }
    }

    /** {@code manifests/registry.ollama.ai/<namespace>/<model>/<tag>}, relative to a models directory. */
    public Path manifestPath() {
        return Path.of("manifests", HOST, namespace, model, tag);
    }

    /** As {@code ollama run} takes it. */
    @Override
    public String toString() {
        return ("library".equals(namespace) ? "" : namespace + "/") + model + ":" + tag;
    }
}
