package dev.quantforge.cli.console;

import dev.quantforge.engine.quantize.QuantizeResult;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.RoundingMode;

/** The closing line of a command that wrote a model. */
public final class Written {
    private Written() {
    }

    public static void print(PrintWriter out, QuantizeResult result) {
        out.println(line(result));
    }

    /**
     * The line as {@code printf("%.2f")} would round it, without {@link java.util.Formatter}: its first number
     * loads the JVM's locale data, 8-10 ms at the end of every quantize.
     */
    static String line(QuantizeResult result) {
        return "wrote " + result.output() + ": " + result.tensors() + " tensors, "
                + decimals(result.fileBytes() / 1e6, 2) + " MB, " + decimals(result.bitsPerWeight(), 3)
                + " bits per weight, " + decimals(result.elapsed().toMillis() / 1000.0, 1) + " s";
    }

    static String decimals(double value, int places) {
        return Double.isFinite(value) ? BigDecimal.valueOf(value).setScale(places, RoundingMode.HALF_UP).toPlainString()
                : String.valueOf(value);
    }
}
