package dev.quantforge.cli;

import java.nio.file.Path;

/** The repository the tool runs from: the launcher sets QUANTFORGE_HOME; otherwise the working directory. */
public final class Home {
    private Home() {
    }

    public static Path path(String relative) {
        String home = System.getenv("QUANTFORGE_HOME");
        return (home != null ? Path.of(home) : Path.of("")).resolve(relative).toAbsolutePath().normalize();
    }
}
