package dev.quantforge.e2e.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An environment file as operators hand one to both services ({@code set -a; . shared.env}, {@code --env-file}):
 * {@code NAME=value} lines, blank lines and {@code #} comments; values are taken as they stand, without quoting.
 */
public final class EnvFile {
    private EnvFile() {
    }

    public static Path write(Path file, String comment, Map<String, String> variables) {
        List<String> lines = new ArrayList<>(List.of("# " + comment));
        new TreeMap<>(variables).forEach((name, value) -> lines.add(name + "=" + value));
        try {
            Files.createDirectories(file.getParent());
            return Files.write(file, lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Map<String, String> read(Path file) {
        Map<String, String> variables = new TreeMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                String trimmed = line.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                    continue;
                }
                int eq = trimmed.indexOf('=');
                if (eq < 1) {
                    throw new IllegalArgumentException(file + ": not NAME=value: " + line);
                }
                variables.put(trimmed.substring(0, eq), trimmed.substring(eq + 1));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return variables;
    }
}
