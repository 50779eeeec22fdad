package dev.quantforge.cli.publish;

import java.util.Map;

/** Lets tests give {@code push} an environment of their own. */
public final class PushCommandAccess {
    private PushCommandAccess() {
    }

    public static void environment(Map<String, String> env) {
        PushCommand.environment = env;
    }
}
