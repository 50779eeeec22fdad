package dev.quantforge.engine.hf;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Locale;
import java.util.Optional;

/**
 * A checkpoint's RoPE scaling ({@code rope_scaling}, or {@code rope_parameters} in newer configs).
 * Linear and YaRN become {@code rope.scaling.*} keys; Llama 3's frequency smoothing becomes a
 * {@code rope_freqs.weight} tensor, as llama.cpp expects.
 *
 * @param originalContext YaRN and Llama 3: the context length the model was pre-trained with
 * @param yarnExtFactor   YaRN extrapolation factor, if given
 * @param yarnAttnFactor  YaRN attention factor, if given
 * @param yarnBetaFast    YaRN beta_fast, if given
 * @param yarnBetaSlow    YaRN beta_slow, if given
 * @param lowFreqFactor   Llama 3 low-frequency factor
 * @param highFreqFactor  Llama 3 high-frequency factor
 */
public record RopeScaling(Kind kind, double factor, int originalContext, Double yarnExtFactor, Double yarnAttnFactor,
                          Double yarnBetaFast, Double yarnBetaSlow, double lowFreqFactor, double highFreqFactor) {

    public enum Kind {
        LINEAR, YARN, LLAMA3
    }

    /** Llama 3 checkpoints that leave these out use the values Meta published. */
    private static final double LLAMA3_FACTOR = 8.0;
    private static final double LLAMA3_LOW_FREQ_FACTOR = 1.0;
    private static final double LLAMA3_HIGH_FREQ_FACTOR = 4.0;
    private static final int LLAMA3_ORIGINAL_CONTEXT = 8192;

    /** Reads the scaling of {@code config}; empty when there is none (or it is "default"). */
    static Optional<RopeScaling> from(HfConfig config) {
        Optional<JsonNode> params = config.node("rope_parameters").or(() -> config.node("rope_scaling"));
        if (params.isEmpty()) {
            return Optional.empty();
        }
        JsonNode p = params.get();
        if (!p.isObject()) {
            throw config.problem("rope_scaling must be an object, got " + p);
        }
        String type = p.path("rope_type").asText(p.path("type").asText("default")).toLowerCase(Locale.ROOT);
        switch (type) {
            case "default":
                return Optional.empty();
            case "linear":
                return Optional.of(new RopeScaling(Kind.LINEAR, required(config, p, "factor"), 0, null, null, null, null, 0, 0));
            case "yarn":
                return Optional.of(new RopeScaling(Kind.YARN, required(config, p, "factor"),
                        (int) required(config, p, "original_max_position_embeddings"),
                        config.number(p, "extrapolation_factor").orElse(null),
                        config.number(p, "attention_factor").or(() -> config.number(p, "attn_factor")).orElse(null),
                        config.number(p, "beta_fast").orElse(null), config.number(p, "beta_slow").orElse(null), 0, 0));
            case "llama3":
                int original = config.number(p, "original_max_position_embeddings")
                        .or(() -> config.optionalPositiveNumber("original_max_position_embeddings"))
                        .map(Double::intValue).orElse(LLAMA3_ORIGINAL_CONTEXT);
                return Optional.of(new RopeScaling(Kind.LLAMA3, config.number(p, "factor").orElse(LLAMA3_FACTOR), original,
                        null, null, null, null, config.number(p, "low_freq_factor").orElse(LLAMA3_LOW_FREQ_FACTOR),
                        config.number(p, "high_freq_factor").orElse(LLAMA3_HIGH_FREQ_FACTOR)));
            default:
                throw config.problem("rope scaling type " + type + " is not supported (supported: linear, yarn, llama3)");
        }
    }

    private static double required(HfConfig config, JsonNode params, String key) {
        return config.number(params, key).orElseThrow(() -> config.problem("rope_scaling needs " + key));
    }

    /**
     * Llama 3's per-frequency divisors for head dimension {@code dim}: high frequencies are kept, low
     * ones divided by the factor, and those between blended smoothly.
     */
    public float[] llama3Factors(double ropeTheta, int dim) {
        float[] factors = new float[dim / 2];
        double lowFreqWavelength = originalContext / lowFreqFactor;
        double highFreqWavelength = originalContext / highFreqFactor;
        for (int i = 0; i < factors.length; i++) {
            // the reference computes the frequencies in float32
            float exponent = (float) (2 * i) / dim;
            float frequency = 1.0f / (float) Math.pow(ropeTheta, exponent);
            double wavelength = 2 * Math.PI / frequency;
            if (wavelength < highFreqWavelength) {
                factors[i] = 1;
            } else if (wavelength > lowFreqWavelength) {
                factors[i] = (float) factor;
            } else {
                double smooth = (originalContext / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                factors[i] = (float) (1 / ((1 - smooth) / factor + smooth));
            }
        }
        return factors;
    }
}
