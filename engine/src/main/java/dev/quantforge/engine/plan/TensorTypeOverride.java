package dev.quantforge.engine.plan;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.GgmlType;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One {@code --tensor-type PATTERN=TYPE}: tensors whose name contains a match of the regular
 * expression get TYPE. llama-quantize lower-cases the pattern, and so does {@link #parse}.
 */
public record TensorTypeOverride(Pattern pattern, GgmlType type) {

    public TensorTypeOverride {
        Objects.requireNonNull(pattern, "pattern");
        Objects.requireNonNull(type, "type");
    }

    /** Parses {@code PATTERN=TYPE}, e.g. {@code attn_q=q8_0} or {@code blk\.[0-3]\.ffn_down=q6_K}. */
    public static TensorTypeOverride parse(String option) {
        int eq = option.indexOf('=');
        if (eq < 0) {
            throw new InvalidInputException("--tensor-type '" + option + "' must look like PATTERN=TYPE, e.g. attn_q=q8_0");
        }
        String regex = option.substring(0, eq).toLowerCase(Locale.ROOT);
        String typeName = option.substring(eq + 1);
        if (regex.isEmpty()) {
            throw new InvalidInputException("--tensor-type '" + option + "' has no tensor name pattern");
        }
        if (typeName.isEmpty()) {
            throw new InvalidInputException("--tensor-type '" + option + "' has no type");
        }
        GgmlType type = GgmlType.byName(typeName).orElseThrow(() ->
                new InvalidInputException("--tensor-type '" + option + "': unknown ggml type '" + typeName + "'"));
        try {
            return new TensorTypeOverride(Pattern.compile(regex), type);
        } catch (PatternSyntaxException e) {
            throw new InvalidInputException("--tensor-type '" + option + "': invalid pattern: " + e.getDescription());
        }
    }

    /**
     * Whether the tensor gets this type. The pattern comes from a job request, and a pattern such as
     * {@code (a|a)*b} backtracks exponentially: the match reads the name through a budget of character reads
     * (far above what any real pattern needs on a tensor name) and is refused, in one line, when it runs out.
     */
    public boolean matches(String tensorName) {
        try {
            return pattern.matcher(new BudgetedChars(tensorName, new int[] {MATCH_BUDGET})).find();
        } catch (BudgetedChars.Exhausted e) {
            throw new InvalidInputException("--tensor-type pattern '" + pattern.pattern() + "' takes too long to match"
                    + " tensor " + tensorName + " (it backtracks too much); simplify it");
        }
    }

    /** Character reads one match may make. */
    static final int MATCH_BUDGET = 1_000_000;

    /** A name whose characters can be read only so many times, shared by every view the matcher takes of it. */
    private record BudgetedChars(String text, int[] left) implements CharSequence {
        static final class Exhausted extends RuntimeException {
            Exhausted() {
                super(null, null, false, false);
            }
        }

        @Override
        public char charAt(int index) {
            if (--left[0] < 0) {
                throw new Exhausted();
            }
            return text.charAt(index);
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new BudgetedChars(text.substring(start, end), left);
        }

        @Override
        public String toString() {
            return text;
        }
    }

    @Override
    public String toString() {
        return pattern.pattern() + "=" + type.ggmlName();
    }
}
