package dev.quantforge.api.auth;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * The API as it runs in production: authentication on, an operator key in the configuration, two tenants with
 * their own source locations and results prefixes, a low rate limit, and a log file with every request (the
 * access log) and the API's own DEBUG lines, which the tests search for secrets.
 */
public final class AuthEnabledProfile implements QuarkusTestProfile {

    /** The operator key of these tests; like every key, it must never appear in a log or a record. */
    static final String OPERATOR_KEY = "qf_operator-" + Long.toHexString(Double.doubleToLongBits(Math.random()));
    static final String LOG = "target/auth-test.log";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.ofEntries(
                Map.entry("qf.auth.enabled", "true"),
                Map.entry("qf.auth.admin-key", OPERATOR_KEY),
                Map.entry("qf.auth.rate-limit", "2"),
                Map.entry("qf.auth.rate-burst", "40"),
                Map.entry("qf.tenants.sources.acme", "s3://models/acme/"),
                Map.entry("qf.tenants.results-prefix.acme", "acme"),
                Map.entry("qf.tenants.sources.globex", "s3://models/globex/,s3://models/shared/"),
                Map.entry("quarkus.log.file.enabled", "true"),
                Map.entry("quarkus.log.file.path", LOG),
                Map.entry("quarkus.log.file.level", "DEBUG"),
                Map.entry("quarkus.log.category.\"dev.quantforge\".level", "DEBUG"),
                Map.entry("quarkus.http.access-log.enabled", "true"));
    }
}
