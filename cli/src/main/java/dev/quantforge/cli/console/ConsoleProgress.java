package dev.quantforge.cli.console;

import dev.quantforge.engine.quantize.QuantizeProgress;
import dev.quantforge.engine.quantize.QuantizeResult;
import dev.quantforge.engine.quantize.TensorJob;

import java.io.PrintStream;
import java.util.Locale;

/** One status line on stderr, redrawn at most ten times a second: tensor i/N, MB/s, ETA. */
public final class ConsoleProgress implements QuantizeProgress {
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintStream out;
    private final long started = System.nanoTime();
    private long lastDraw;
    private int index;
    private int count;
    private String name = "";

    public ConsoleProgress(PrintStream out) {
        this.out = out;
    }

    /** Progress is drawn when asked for, or when a person is watching a terminal. */
    public static boolean wanted(boolean forced) {
        return forced || System.console() != null;
    }

    @Override
    public void tensorStarted(int index, int count, TensorJob job) {
        this.index = index;
        this.count = count;
        this.name = job.name();
    }

    @Override
    public void bytesProcessed(long done, long total) {
        long now = System.nanoTime();
        if (now - lastDraw < REDRAW_NANOS && done < total) {
            return;
        }
        lastDraw = now;
        double seconds = Math.max(1e-9, (now - started) / 1e9);
        double mbPerSecond = done / 1e6 / seconds;
        long eta = done == 0 ? 0 : Math.round((total - done) / (done / seconds));
        String line = String.format(Locale.ROOT, "\r[%d/%d] %-40.40s %5.1f%% %8.1f MB/s ETA %d:%02d",
                index + 1, count, name, 100.0 * done / Math.max(1, total), mbPerSecond, eta / 60, eta % 60);
        out.print(line);
        out.flush();
    }

    @Override
    public void finished(QuantizeResult result) {
        out.print("\r" + " ".repeat(96) + "\r");
        out.flush();
    }
}
