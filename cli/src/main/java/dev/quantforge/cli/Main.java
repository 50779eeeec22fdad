package dev.quantforge.cli;

import dev.quantforge.cli.bench.BenchCommand;
import dev.quantforge.cli.bench.BenchKernelsCommand;
import dev.quantforge.cli.bench.BenchQuantizeCommand;
import dev.quantforge.cli.client.CancelCommand;
import dev.quantforge.cli.client.CatalogCommand;
import dev.quantforge.cli.client.ClientException;
import dev.quantforge.cli.client.JobsCommand;
import dev.quantforge.cli.client.KeysCommand;
import dev.quantforge.cli.client.ProfilesCommand;
import dev.quantforge.cli.client.ReportCommand;
import dev.quantforge.cli.client.SubmitCommand;
import dev.quantforge.cli.client.WatchCommand;
import dev.quantforge.cli.convert.ConvertCommand;
import dev.quantforge.cli.demo.LocalDemoCommand;
import dev.quantforge.cli.demo.ServiceDemoCommand;
import dev.quantforge.cli.inspect.InspectCommand;
import dev.quantforge.cli.publish.PackageCommand;
import dev.quantforge.cli.publish.PushCommand;
import dev.quantforge.cli.quantize.QuantizeCommand;
import dev.quantforge.common.InvalidInputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;

/** The {@code quantforge} command. */
@Command(name = "quantforge", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Quantize, convert, inspect and benchmark models for named hardware targets.")
public final class Main {

    /**
     * Every subcommand by its name, in the order help lists them. The names are written out (VersionCliTest holds
     * them to each class's {@code @Command} name): reading the annotations of all of them cost every run 15-20 ms.
     */
    static final Map<String, Class<?>> SUBCOMMANDS = subcommands(
            "quantize", QuantizeCommand.class, "convert", ConvertCommand.class, "inspect", InspectCommand.class,
            "bench", BenchCommand.class, "bench-kernels", BenchKernelsCommand.class,
            "bench-quantize", BenchQuantizeCommand.class, "demo-local", LocalDemoCommand.class,
            "demo-service", ServiceDemoCommand.class, "package", PackageCommand.class, "push", PushCommand.class,
            "submit", SubmitCommand.class, "jobs", JobsCommand.class, "watch", WatchCommand.class,
            "report", ReportCommand.class, "cancel", CancelCommand.class, "profiles", ProfilesCommand.class,
            "catalog", CatalogCommand.class, "keys", KeysCommand.class, "help", CommandLine.HelpCommand.class);

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        CommandLine commandLine = commandLine(args);
        int exit = commandLine.execute(args);
        // a command that ends with print rather than println would lose its last output to System.exit
        commandLine.getOut().flush();
        commandLine.getErr().flush();
        return exit;
    }

    /**
     * The configured command line for these arguments; tests redirect its output streams. picocli builds the model of every registered subcommand by reflection,
     * which was most of the start-up time, so a run registers only the subcommand it names (or none for
     * {@code --version}); anything else (help, a typo) gets them all for complete usage and suggestions.
     */
    public static CommandLine commandLine(String... args) {
        CommandLine cli = new CommandLine(new Main());
        String first = args.length > 0 ? args[0] : "";
        if (SUBCOMMANDS.containsKey(first)) {
            cli.addSubcommand(SUBCOMMANDS.get(first));
        } else if (!(args.length == 1 && (first.equals("--version") || first.equals("-V")))) {
            SUBCOMMANDS.values().forEach(cli::addSubcommand);
        }
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ClientException client) {
                // the API's answer (or its absence) in one line; exit codes in README.md
                commandLine.getErr().println("quantforge: " + client.getMessage());
                commandLine.getErr().flush();
                return client.exitCode();
            }
            commandLine.getErr().println("quantforge: " + userMessage(e));
            if (!(e instanceof InvalidInputException) && Boolean.getBoolean("quantforge.debug")) {
                e.printStackTrace(commandLine.getErr());
            }
            return e instanceof InvalidInputException ? 1 : 3;
        });
        return cli;
    }

    private static Map<String, Class<?>> subcommands(Object... namesAndClasses) {
        Map<String, Class<?>> byName = new LinkedHashMap<>();
        for (int i = 0; i < namesAndClasses.length; i += 2) {
            byName.put((String) namesAndClasses[i], (Class<?>) namesAndClasses[i + 1]);
        }
        return byName;
    }

    /** One line a user can act on; the exception's class only where the message alone would not say much. */
    static String userMessage(Exception e) {
        if (e instanceof InvalidInputException || e instanceof CancellationException) {
            return e.getMessage();
        }
        if (e instanceof UncheckedIOException io) {
            return io.getMessage();
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage() + " (run with -Dquantforge.debug=true for details)";
    }
}
