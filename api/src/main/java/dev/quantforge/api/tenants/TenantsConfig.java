package dev.quantforge.api.tenants;

import io.smallrye.config.ConfigMapping;
import java.util.List;
import java.util.Map;

/**
 * {@code qf.tenants.*}: the tenants, what each may read and where its results go, as maps keyed by tenant name
 * ({@code qf.tenants.sources.acme}, {@code QF_TENANTS_SOURCES_ACME}). A tenant exists when it has sources.
 */
@ConfigMapping(prefix = "qf.tenants")
public interface TenantsConfig {

    /**
     * The S3 locations each tenant's jobs may read (source models and evaluation texts): {@code s3://bucket} for a
     * whole bucket, {@code s3://bucket/prefix/} for the keys under a prefix.
     */
    Map<String, List<String>> sources();

    /** Key prefix of a tenant's results in the results bucket (e.g. {@code acme/}); none: the bucket's root. */
    Map<String, String> resultsPrefix();
}
