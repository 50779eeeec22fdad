package dev.quantforge.cli.console;

import dev.quantforge.engine.bench.VariantBenchmark;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Percent done of one long step on stderr: on a terminal one line redrawn ten times a second; into a
 * log, a line every tenth.
 */
public final class ConsolePercent implements VariantBenchmark.Progress {
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintStream out;
    private final String what;
    private final boolean redraw;
    private final long started = System.nanoTime();
    private long lastDraw;
    private int lastTenth = -1;

    private ConsolePercent(PrintStream out, String what, boolean redraw) {
        this.out = out;
        this.what = what;
        this.redraw = redraw;
    }

    /** Progress for a person at a terminal, or for a log when {@code forced}; otherwise none. */
    public static VariantBenchmark.Progress forConsole(String what, boolean forced) {
        boolean terminal = System.console() != null;
        return terminal || forced ? new ConsolePercent(System.err, what, terminal) : VariantBenchmark.Progress.NONE;
    }

    @Override
    public void update(double fraction) {
        String line = String.format(Locale.ROOT, "%s %3.0f %% (%.1f s)", what, 100 * fraction,
                (System.nanoTime() - started) / 1e9);
        if (redraw) {
            long now = System.nanoTime();
            if (now - lastDraw >= REDRAW_NANOS || fraction >= 1) {
                lastDraw = now;
                out.print("\r" + line + (fraction >= 1 ? System.lineSeparator() : ""));
                out.flush();
            }
        } else if ((int) (fraction * 10) > lastTenth) {
            lastTenth = (int) (fraction * 10);
            out.println(line);
        }
    }
}
