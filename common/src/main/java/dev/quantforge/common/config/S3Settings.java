package dev.quantforge.common.config;

import io.smallrye.config.WithDefault;

/**
 * {@code qf.s3.*}: the S3-compatible object storage that both services use (path-style requests). The defaults
 * are the local stack's ({@code deploy/local up}).
 */
public interface S3Settings {

    @WithDefault("http://127.0.0.1:18333")
    String endpoint();

    @WithDefault("us-east-1")
    String region();

    @WithDefault("quantforge")
    String accessKey();

    @WithDefault("quantforge-local-secret")
    String secretKey();
}
