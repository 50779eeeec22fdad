package dev.quantforge.common.config;

import io.smallrye.config.WithDefault;

/**
 * {@code qf.benchmark.max-eval-text-bytes}: the API refuses a job whose evaluation text is larger, and the workers
 * fail a task whose text is; one setting, so that a text the API accepts is one the workers accept.
 */
public interface EvalTextLimit {

    @WithDefault("1048576")
    long maxEvalTextBytes();
}
