package dev.quantforge.engine.onnx.quantize;

/**
 * quantize_bias_static's arithmetic: a bias stored int32 with zero point 0 and scale
 * {@code input_scale × weight_scale × beta}, the product in float32 (numpy float32 arrays and a weak Python float),
 * one scale per output channel when the weight is per channel; values {@code round(bias / scale)} with the division
 * in float64 (ORT casts both to float64), numpy's half to even, clipped to int32 in float64, then cast.
 * A scale of 0 or one that is not finite (beta 0, or an overflow) has no int32 form: {@link #quantize} gives null and
 * the bias stays float (ORT would write int32 minimum or maximum values for such a bias).
 */
final class BiasQuantization {
    /** The stored bias: its scales (one, or one per channel) and int32 values. */
    record Int32Bias(float[] scales, int[] values) {
    }

    private BiasQuantization() {
    }

    /** Null when the bias holds NaN or infinity or a scale is 0 or not finite. */
    static Int32Bias quantize(float[] bias, float inputScale, float[] weightScales, float beta) {
        float[] scales = new float[weightScales.length];
        for (int c = 0; c < scales.length; c++) {
            scales[c] = inputScale * weightScales[c] * beta;
            if (scales[c] == 0f || !Float.isFinite(scales[c])) {
                return null;
            }
        }
        if (scales.length != 1 && scales.length != bias.length) {
            throw new IllegalArgumentException("a per-channel bias needs one weight scale per element: "
                    + scales.length + " scales, " + bias.length + " elements");
        }
        int[] values = new int[bias.length];
        for (int i = 0; i < bias.length; i++) {
            if (!Float.isFinite(bias[i])) {
                return null;
            }
            double q = Math.rint((double) bias[i] / (double) scales[scales.length == 1 ? 0 : i]);
            values[i] = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, q));
        }
        return new Int32Bias(scales, values);
    }
}
