package dev.quantforge.api.tenants;

import dev.quantforge.api.problems.ProblemException;
import dev.quantforge.common.jobs.S3Uri;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The configured tenants: which S3 locations each may read, where its results go. */
@ApplicationScoped
public class Tenants {

    private final Map<String, List<String>> sources;
    private final Map<String, String> resultsPrefixes;

    public Tenants(TenantsConfig config) {
        this.sources = Map.copyOf(config.sources());
        this.resultsPrefixes = Map.copyOf(config.resultsPrefix());
        sources.values().forEach(list -> list.forEach(Tenants::location));
    }

    public boolean exists(String tenant) {
        return sources.containsKey(tenant);
    }

    public Set<String> names() {
        return new TreeSet<>(sources.keySet());
    }

    /**
     * A 400 naming {@code field} unless {@code uri} is under one of the tenant's source locations. A location
     * {@code s3://b/models} admits {@code s3://b/models/x} and {@code s3://b/models-old/x} alike (prefixes are
     * S3's); end it with '/' to admit only that "directory".
     */
    public void requireReadable(String tenant, S3Uri uri, String field) {
        List<String> allowed = sources.getOrDefault(tenant, List.of());
        // an HTTP client or S3 server that resolves dot segments would read outside the prefix
        if (Arrays.stream(uri.key().split("/", -1)).anyMatch(s -> s.equals("..") || s.equals("."))) {
            throw ProblemException.invalid(field, "must not contain '.' or '..' segments");
        }
        for (String source : allowed) {
            S3Uri location = location(source);
            if (location.bucket().equals(uri.bucket()) && uri.key().startsWith(location.key())) {
                return;
            }
        }
        throw ProblemException.invalid(field, uri + " is outside the locations tenant '" + tenant + "' may read "
                + allowed);
    }

    /** The tenant's results key prefix, "" or ending in '/'. */
    public String resultsPrefix(String tenant) {
        String prefix = resultsPrefixes.getOrDefault(tenant, "").strip();
        return prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";
    }

    private static S3Uri location(String source) {
        try {
            return S3Uri.parse(source.strip());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("qf.tenants.sources.*: '" + source + "' is not s3://bucket[/prefix]", e);
        }
    }
}
