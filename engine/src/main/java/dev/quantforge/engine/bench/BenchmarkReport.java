package dev.quantforge.engine.bench;

import dev.quantforge.common.quality.BenchmarkSummary;

/**
 * One variant's {@code benchmark.json}. CONTRACT STUB: the implementation gives it its components
 * (size, tensor errors, quality, speed, machine) and keeps these methods.
 */
public record BenchmarkReport(int schemaVersion, QualityFigures quality) {

    public static final int SCHEMA_VERSION = 1;

    /** The headline figures the gates judge and the API reports. */
    public BenchmarkSummary summary() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Pretty-printed JSON, the documented schema. */
    public byte[] toJson() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public static BenchmarkReport fromJson(byte[] json) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** A readable plain-text table of every figure, for the CLI. */
    public String table() {
        throw new UnsupportedOperationException("not implemented yet");
    }
}
