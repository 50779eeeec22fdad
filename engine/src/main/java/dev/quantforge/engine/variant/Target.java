package dev.quantforge.engine.variant;

/** What to build, in the terms of one format. */
public sealed interface Target permits GgufTarget, MlxTarget, OnnxModelTarget, OnnxTarget {

    TargetFormat format();

    /** A short name for tables and messages, e.g. {@code Q4_K_M}. */
    String name();
}
