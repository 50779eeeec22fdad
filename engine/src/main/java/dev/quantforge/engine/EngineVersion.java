package dev.quantforge.engine;

/** The engine's version, recorded in every output it writes. */
public final class EngineVersion {
    private EngineVersion() {
    }

    public static String get() {
        String v = EngineVersion.class.getPackage().getImplementationVersion();
        return v != null ? v : "0.1.0-SNAPSHOT";
    }
}
