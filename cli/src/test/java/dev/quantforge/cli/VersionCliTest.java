package dev.quantforge.cli;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VersionCliTest {

    /** The line names the commit git says is checked out: the same build the manifests name. */
    @Test
    void versionNamesTheCommitItWasBuiltFrom() throws Exception {
        CliRun run = CliRun.of("--version");
        assertEquals(0, run.exitCode(), run.err());
        Process git = new ProcessBuilder("git", "rev-parse", "--short=12", "HEAD").redirectErrorStream(true).start();
        String head = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, git.waitFor(), head);
        assertTrue(run.out().matches("quantforge \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\(commit " + head + "(-dirty)?\\)\\R"), run.out());
    }
}
