package dev.quantforge.api.storage;

import dev.quantforge.common.config.EvalTextLimit;
import io.smallrye.config.ConfigMapping;

/** The workers' limit on evaluation texts, read from the same setting so that a text accepted here is accepted there. */
@ConfigMapping(prefix = "qf.benchmark")
public interface EvalTextConfig extends EvalTextLimit {
}
