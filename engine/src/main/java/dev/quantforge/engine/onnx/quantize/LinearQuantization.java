package dev.quantforge.engine.onnx.quantize;

/**
 * ONNX Runtime's linear quantization arithmetic (onnxruntime/python/tools/quantization/quant_utils.py), step for
 * step in the same precisions, so that a weight quantized here has the same bytes, scale and zero point as
 * {@code quantize_dynamic} writes:
 * <ul>
 *   <li>{@code compute_scale_zp}: the range is stretched to include 0 ({@code rmin = min(rmin, 0)},
 *       {@code rmax = max(rmax, 0)}); symmetric makes it {@code [-absmax, absmax]}; {@code rmax - rmin} is taken in
 *       float32 (numpy float32 scalars), then {@code scale = dr / (qmax - qmin)} in float64; a scale below float32's
 *       smallest normal gives scale 1 and zero point 0; otherwise the zero point is
 *       {@code round((qmin + qmax) / 2)} when symmetric and {@code round(qmin - rmin / scale)} (float64) when not,
 *       numpy rounding half to even, and the scale is then rounded to float32;</li>
 *   <li>{@code quantize_nparray}: {@code round(x / scale) + zero_point} with the division in float32, half to even,
 *       clipped to the type's full range (not the reduced or symmetric one the scale was made for).</li>
 * </ul>
 * Non-finite values are not handled here (ORT fails on NaN); callers keep such tensors in float.
 */
public final class LinearQuantization {
    private LinearQuantization() {
    }

    /** {@code compute_scale_zp(rmin, rmax, qmin, qmax, symmetric)}. */
    public static QuantParams scaleAndZeroPoint(float rmin, float rmax, int qmin, int qmax, boolean symmetric) {
        if (qmin > 0 || qmax < 0 || qmin > qmax) {
            throw new IllegalArgumentException("qmin and qmax must satisfy qmin <= 0 <= qmax, got " + qmin + ", " + qmax);
        }
        float low = Math.min(rmin, 0f);
        float high = Math.max(rmax, 0f);
        if (symmetric) {
            float absmax = Math.max(Math.abs(low), Math.abs(high));
            low = -absmax;
            high = absmax;
        }
        double range = high - low; // float32 subtraction, as numpy does on float32 scalars; may overflow to inf
        double scale = range / ((double) qmax - (double) qmin);
        if (scale < Float.MIN_NORMAL) {
            return new QuantParams(1f, 0);
        }
        double zeroPoint = symmetric ? Math.rint((qmin + qmax) / 2.0) : Math.rint(qmin - low / scale);
        return new QuantParams((float) scale, (int) zeroPoint);
    }

    /** {@code quantize_data} on one tensor or one channel: min and max of {@code values}, then the parameters. */
    public static QuantParams paramsFor(float[] values, int from, int to, int stride, QuantType type, boolean symmetric,
                                        boolean reduceRange) {
        float min = 0f;
        float max = 0f;
        if (from < to) {
            min = Float.POSITIVE_INFINITY;
            max = Float.NEGATIVE_INFINITY;
            for (int i = from; i < to; i += stride) {
                min = Math.min(min, values[i]);
                max = Math.max(max, values[i]);
            }
        }
        int[] q = type.range(reduceRange, symmetric);
        return scaleAndZeroPoint(min, max, q[0], q[1], symmetric);
    }

    /**
     * quantize_weight_per_channel's parameters: one per index of {@code axis} of a tensor of {@code dims}, from the
     * values of that slice (symmetric or not, reduced range or not, as for a whole tensor).
     */
    public static QuantParams[] paramsPerChannel(float[] values, long[] dims, int axis, QuantType type, boolean symmetric,
                                                 boolean reduceRange) {
        int channels = Math.toIntExact(dims[axis]);
        long inner = 1;
        for (int d = axis + 1; d < dims.length; d++) {
            inner *= dims[d];
        }
        float[] min = new float[channels];
        float[] max = new float[channels];
        java.util.Arrays.fill(min, Float.POSITIVE_INFINITY);
        java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < values.length; i++) {
            int c = channelOf(i, inner, channels);
            min[c] = Math.min(min[c], values[i]);
            max[c] = Math.max(max[c], values[i]);
        }
        int[] q = type.range(reduceRange, symmetric);
        QuantParams[] params = new QuantParams[channels];
        for (int c = 0; c < channels; c++) {
            boolean empty = min[c] > max[c];
            params[c] = scaleAndZeroPoint(empty ? 0f : min[c], empty ? 0f : max[c], q[0], q[1], symmetric);
        }
        return params;
    }

    /** The channel of flat index {@code i} along an axis with {@code channels} entries and {@code inner} elements after it. */
    public static int channelOf(int i, long inner, int channels) {
        return (int) ((i / inner) % channels);
    }

    /** {@code quantize_nparray} of one value: float32 division, half-to-even rounding, clipped to the full type. */
    public static int quantize(float value, QuantParams params, QuantType type) {
        float scaled = value / params.scale();
        float q = (float) Math.rint(scaled) + params.zeroPoint();
        if (q < type.min()) {
            return type.min();
        }
        if (q > type.max()) {
            return type.max();
        }
        return (int) q;
    }

    /** True when every value is finite: what a weight needs to be quantized (ORT raises on NaN). */
    public static boolean allFinite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }
}
