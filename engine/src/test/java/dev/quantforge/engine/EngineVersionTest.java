package dev.quantforge.engine;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine names the build it came from: the pom's version and the commit git says is checked out. */
class EngineVersionTest {

    @Test
    void theVersionIsThePomsVersion() {
        String expected = System.getProperty("quantforge.expected.version");
        assertNotNull(expected, "the build passes the pom's version to the tests");
        assertEquals(expected, EngineVersion.get());
    }

    @Test
    void theCommitIsTheCheckedOutCommit() throws Exception {
        String head = git("rev-parse", "HEAD");
        assertEquals(head, EngineVersion.commit().replace("-dirty", ""));
        assertTrue(EngineVersion.describe().startsWith(EngineVersion.get() + " (commit " + head.substring(0, 12)),
                EngineVersion.describe());
    }

    /** What git itself says, independent of the build's plugin. */
    static String git(String... args) throws IOException, InterruptedException {
        String[] command = new String[args.length + 1];
        command[0] = "git";
        System.arraycopy(args, 0, command, 1, args.length);
        Process git = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(git.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, git.exitValue(), out);
        return out;
    }
}
