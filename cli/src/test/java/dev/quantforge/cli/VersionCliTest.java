package dev.quantforge.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

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

    /** Start-up builds only what the command needs: picocli's reflective model of a subcommand is the costly part. */
    @Test
    void aRunRegistersOnlyTheSubcommandItNames() {
        assertEquals(Set.of(), Main.commandLine(new String[]{"--version"}).getSubcommands().keySet());
        assertEquals(Set.of("inspect"), Main.commandLine(new String[]{"inspect", "x.gguf"}).getSubcommands().keySet());
        assertTrue(Main.commandLine(new String[]{"--help"}).getSubcommands().keySet().containsAll(
                List.of("quantize", "convert", "submit", "catalog", "help")));
        CliRun typo = CliRun.of("quantiz");
        assertEquals(2, typo.exitCode());
        assertTrue(typo.err().contains("Did you mean: quantforge quantize"), typo.err());
    }

    /** Main names its subcommands itself, without reading their annotations: each name must be the command's own. */
    @Test
    void everySubcommandIsRegisteredUnderItsOwnName() {
        Main.SUBCOMMANDS.forEach((name, command) ->
                assertEquals(command.getAnnotation(picocli.CommandLine.Command.class).name(), name, command.getName()));
        assertEquals(Main.SUBCOMMANDS.keySet(), Main.commandLine(new String[]{"--help"}).getSubcommands().keySet());
    }

    /** What a command prints last reaches the terminal, also when it ends with print rather than println. */
    @Test
    void aRunFlushesItsOutputBeforeItExits() {
        PrintStream terminal = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(printed, false, StandardCharsets.UTF_8));
            exit = Main.run("quantize", TinyModels.bundledStories().toString(), "unused.gguf", "Q4_K_M", "--dry-run");
        } finally {
            System.setOut(terminal);
        }
        assertEquals(0, exit);
        assertTrue(printed.toString(StandardCharsets.UTF_8).contains("bits per weight, file type Q4_K_M"), printed::toString);
    }
}
