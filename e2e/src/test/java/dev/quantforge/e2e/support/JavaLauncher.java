package dev.quantforge.e2e.support;

import java.nio.file.Path;

/** The java launcher of the running JVM, so that the stack and the services run on the Java the tests run on. */
final class JavaLauncher {
    private JavaLauncher() {
    }

    static String path() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
