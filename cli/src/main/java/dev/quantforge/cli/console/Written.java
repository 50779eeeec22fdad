package dev.quantforge.cli.console;

import dev.quantforge.engine.quantize.QuantizeResult;

import java.io.PrintWriter;
import java.util.Locale;

/** The closing line of a command that wrote a model. */
public final class Written {
    private Written() {
    }

    public static void print(PrintWriter out, QuantizeResult result) {
        out.printf(Locale.ROOT, "wrote %s: %d tensors, %.2f MB, %.3f bits per weight, %.1f s%n",
                result.output(), result.tensors(), result.fileBytes() / 1e6, result.bitsPerWeight(),
                result.elapsed().toMillis() / 1000.0);
    }
}
