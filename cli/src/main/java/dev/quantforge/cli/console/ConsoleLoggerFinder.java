package dev.quantforge.cli.console;

import java.io.PrintStream;
import java.text.MessageFormat;
import java.util.ResourceBundle;

/**
 * The command line's {@link System.Logger}s (installed as a service): INFO and above as one plain line each on
 * stderr, "warning: " or "error: " before the worse ones, a throwable after ": " as its class and message. The JDK's
 * default sends them through java.util.logging, whose set-up and dated two-line format cost a quantize about 50 ms of
 * start-up for the engine's one line (which kernels run).
 */
public final class ConsoleLoggerFinder extends System.LoggerFinder {
    @Override
    public System.Logger getLogger(String name, Module module) {
        return new ConsoleLogger(name, System.err);
    }

    private record ConsoleLogger(String name, PrintStream out) implements System.Logger {
        @Override
        public String getName() {
            return name;
        }

        @Override
        public boolean isLoggable(Level level) {
            return level.getSeverity() >= Level.INFO.getSeverity() && level != Level.OFF;
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String message, Throwable thrown) {
            if (isLoggable(level)) {
                out.println(prefix(level) + message + (thrown == null ? "" : ": " + thrown));
            }
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            if (isLoggable(level)) {
                String message = params == null || params.length == 0 ? format : MessageFormat.format(format, params);
                out.println(prefix(level) + message);
            }
        }

        private static String prefix(Level level) {
            return level.getSeverity() >= Level.ERROR.getSeverity() ? "error: "
                    : level.getSeverity() >= Level.WARNING.getSeverity() ? "warning: " : "";
        }
    }
}
