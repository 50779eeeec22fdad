package dev.quantforge.cli.console;

import dev.quantforge.engine.quantize.QuantizeProgress;
import dev.quantforge.engine.quantize.QuantizeResult;
import dev.quantforge.engine.quantize.TensorJob;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress on stderr: tensor i/N, percent, MB/s of source data, ETA. On a terminal one line is
 * redrawn ten times a second; into a log, one line per tensor.
 */
public final class ConsoleProgress implements QuantizeProgress {
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintStream out;
    private final boolean redraw;
    private final long started = System.nanoTime();
    private long lastDraw;
    private int index;
    private int count;
    private String name = "";
    private long done;
    private long total;

    private ConsoleProgress(PrintStream out, boolean redraw) {
        this.out = out;
        this.redraw = redraw;
    }

    /** Progress for a person at a terminal, or for a log when {@code forced}; otherwise none. */
    public static QuantizeProgress forConsole(boolean forced) {
        boolean terminal = System.console() != null;
        return terminal || forced ? new ConsoleProgress(System.err, terminal) : QuantizeProgress.NONE;
    }

    @Override
    public void tensorStarted(int index, int count, TensorJob job) {
        if (!redraw && this.count > 0) {
            out.println(status());
        }
        this.index = index;
        this.count = count;
        this.name = job.name();
    }

    @Override
    public void bytesProcessed(long done, long total) {
        this.done = done;
        this.total = total;
        long now = System.nanoTime();
        if (redraw && (now - lastDraw >= REDRAW_NANOS || done == total)) {
            lastDraw = now;
            out.print("\r" + status());
            out.flush();
        }
    }

    @Override
    public void finished(QuantizeResult result) {
        if (redraw) {
            out.print("\r" + " ".repeat(100) + "\r");
        } else {
            out.println(status());
        }
        out.flush();
    }

    private String status() {
        double seconds = Math.max(1e-9, (System.nanoTime() - started) / 1e9);
        double bytesPerSecond = done / seconds;
        long eta = done == 0 ? 0 : Math.round((total - done) / bytesPerSecond);
        return String.format(Locale.ROOT, "[%d/%d] %-40.40s %5.1f%% %8.1f MB/s ETA %d:%02d",
                index + 1, count, name, 100.0 * done / Math.max(1, total), bytesPerSecond / 1e6, eta / 60, eta % 60);
    }
}
