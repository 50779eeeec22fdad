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

    public boolean matches(String tensorName) {
        return pattern.matcher(tensorName).find();
    }

    @Override
    public String toString() {
        return pattern.pattern() + "=" + type.ggmlName();
    }
}
