package dev.quantforge.api.tenants;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithParentName;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code qf.tenants.<name>.*}: the tenants, what each may read and where its results go. */
@ConfigMapping(prefix = "qf.tenants")
public interface TenantsConfig {

    @WithParentName
    Map<String, Tenant> tenants();

    interface Tenant {

        /**
         * The S3 locations the tenant's jobs may read (source models and evaluation texts): {@code s3://bucket} for a
         * whole bucket, {@code s3://bucket/prefix/} for the keys under a prefix. None: it may submit nothing.
         */
        Optional<List<String>> sources();

        /** Key prefix of the tenant's results in the results bucket (e.g. {@code acme/}); none: the bucket's root. */
        Optional<String> resultsPrefix();
    }
}
