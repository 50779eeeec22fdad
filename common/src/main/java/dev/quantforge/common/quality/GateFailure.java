package dev.quantforge.common.quality;

import java.util.Locale;

/** One quality limit a variant did not meet: which figure, what it measured, and the limit. */
public record GateFailure(String figure, double measured, double limit, boolean limitIsMaximum) {

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s %.6g %s limit %.6g", figure, measured, limitIsMaximum ? ">" : "<", limit);
    }
}
