package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.ggml.LittleEndian;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The legacy quantizers' fast paths against line-by-line ports of ggml's {@code quantize_row_*_ref} on
 * blocks built to hit every corner the golden data may miss: zeros of both signs, ties between
 * {@code +a} and {@code -a}, NaN, infinities, subnormals, scales whose reciprocal overflows.
 */
class LegacyReferenceTest {
    private static final int QK = 32;
    private static final int BLOCKS = 20_000;

    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0"})
    void fastPathsMatchGgmlReference(GgmlType type) {
        float[] values = adversarialBlocks(new Random(type.ordinal()));
        byte[] got = new byte[BLOCKS * type.typeSize()];
        Quantizers.require(type).quantize(values, 0, BLOCKS, QK, null, got, 0);
        byte[] want = new byte[type.typeSize()];
        for (int b = 0; b < BLOCKS; b++) {
            reference(type, values, b * QK, want);
            for (int i = 0; i < want.length; i++) {
                if (want[i] != got[b * want.length + i]) {
                    float[] block = java.util.Arrays.copyOfRange(values, b * QK, b * QK + QK);
                    fail(type + " block " + b + " " + java.util.Arrays.toString(block) + "\n  want "
                            + HexFormat.of().formatHex(want) + "\n  got  "
                            + HexFormat.of().formatHex(got, b * want.length, (b + 1) * want.length));
                }
            }
        }
    }

    @Test
    void scaleSearchMatchesGgmlMakeQxQuants() {
        Random random = new Random(7);
        float[] values = adversarialBlocks(random);
        float[] weights = new float[values.length];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = random.nextInt(20) == 0 ? 0 : (float) Math.exp(3 * random.nextGaussian());
        }
        byte[] got = new byte[QK];
        byte[] want = new byte[QK];
        for (int b = 0; b < BLOCKS; b++) {
            int nmax = 4 << random.nextInt(4);
            int rmseType = random.nextInt(6) - 1;
            float[] w = random.nextBoolean() ? weights : null;
            float gotScale = QuantMath.makeQxQuants(QK, nmax, values, b * QK, got, 0, rmseType, w, b * QK);
            float wantScale = makeQxQuants(nmax, values, b * QK, want, rmseType, w);
            // Which NaN survives a sum depends on the compiler's operand order, in C as in Java.
            boolean sameScale = Float.floatToRawIntBits(gotScale) == Float.floatToRawIntBits(wantScale)
                    || Float.isNaN(gotScale) && Float.isNaN(wantScale);
            if (!sameScale || !java.util.Arrays.equals(got, want)) {
                fail("block " + b + " nmax " + nmax + " rmse " + rmseType + " weights " + (w != null) + ": scale "
                        + gotScale + " vs " + wantScale + "\n  want " + HexFormat.of().formatHex(want)
                        + "\n  got  " + HexFormat.of().formatHex(got));
            }
        }
    }

    /** make_qx_quants as ggml writes it, trial by trial. */
    private static float makeQxQuants(int nmax, float[] x, int o, byte[] levels, int rmseType, float[] qw) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < QK; i++) {
            float ax = CFloat.abs(x[o + i]);
            if (ax > amax) {
                amax = ax;
                max = x[o + i];
            }
        }
        if (amax < 1e-15f) {
            java.util.Arrays.fill(levels, (byte) 0);
            return 0f;
        }
        float iscale = -nmax / max;
        if (rmseType == 0) {
            for (int i = 0; i < QK; i++) {
                int l = QuantMath.nearestInt(iscale * x[o + i]);
                levels[i] = (byte) (nmax + Math.max(-nmax, Math.min(nmax - 1, l)));
            }
            return 1 / iscale;
        }
        boolean returnEarly = rmseType < 0;
        rmseType = Math.abs(rmseType);
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < QK; i++) {
            float v = x[o + i];
            int l = Math.max(-nmax, Math.min(nmax - 1, QuantMath.nearestInt(iscale * v)));
            levels[i] = (byte) (l + nmax);
            float w = weight(qw, o + i, rmseType, v);
            sumlx += w * v * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0.0f;
        if (returnEarly) {
            return suml2 > 0 ? 0.5f * (scale + 1 / iscale) : 1 / iscale;
        }
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) {
                continue;
            }
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = 0;
            suml2 = 0;
            for (int i = 0; i < QK; i++) {
                float v = x[o + i];
                int l = Math.max(-nmax, Math.min(nmax - 1, QuantMath.nearestInt(iscale * v)));
                float w = weight(qw, o + i, rmseType, v);
                sumlx += w * v * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < QK; i++) {
                    int l = QuantMath.nearestInt(iscale * x[o + i]);
                    levels[i] = (byte) (nmax + Math.max(-nmax, Math.min(nmax - 1, l)));
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    private static float weight(float[] qw, int i, int rmseType, float v) {
        if (qw != null) {
            return qw[i];
        }
        return rmseType == 1 ? v * v : rmseType == 2 ? 1 : rmseType == 3 ? CFloat.abs(v) : (float) Math.sqrt(CFloat.abs(v));
    }

    static float[] adversarialBlocks(Random random) {
        float[] values = new float[BLOCKS * QK];
        for (int b = 0; b < BLOCKS; b++) {
            double scale = Math.pow(10, -45 + random.nextInt(84)); // 1e-45 .. 1e38
            int kinds = 1 + random.nextInt(4);
            for (int j = 0; j < QK; j++) {
                int i = b * QK + j;
                switch (random.nextInt(kinds * 4)) {
                    case 0: values[i] = random.nextBoolean() ? 0.0f : -0.0f; break;
                    case 1: values[i] = j > 0 ? -values[i - 1] : 1.0f; break;
                    case 2: values[i] = j > 0 ? values[i - random.nextInt(j) - 1] : 0.0f; break;
                    case 3: values[i] = special(random); break;
                    default: values[i] = (float) (random.nextGaussian() * scale);
                }
            }
        }
        return values;
    }

    private static float special(Random random) {
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE,
                -Float.MAX_VALUE, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, 1e-39f, -3e-39f, 1.0f};
        float v = specials[random.nextInt(specials.length)];
        return random.nextInt(50) == 0 || !Float.isNaN(v) ? v : 0.5f; // NaN rarely, so most blocks stay clean
    }

    private static void reference(GgmlType type, float[] x, int o, byte[] y) {
        switch (type) {
            case Q4_0: q4_0(x, o, y); break;
            case Q4_1: q4_1(x, o, y); break;
            case Q5_0: q5_0(x, o, y); break;
            case Q5_1: q5_1(x, o, y); break;
            case Q8_0: q8_0(x, o, y); break;
            default: throw new IllegalArgumentException(type.toString());
        }
    }

    private static int int8(float f) {
        return (byte) CFloat.truncate(f);
    }

    private static void q4_0(float[] x, int o, byte[] y) {
        float amax = 0.0f;
        float max = 0.0f;
        for (int j = 0; j < QK; j++) {
            float v = x[o + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8;
        float id = d != 0 ? 1.0f / d : 0.0f;
        LittleEndian.putHalf(y, 0, d);
        for (int j = 0; j < QK / 2; j++) {
            int xi0 = Math.min(15, int8(x[o + j] * id + 8.5f)) & 0xFF;
            int xi1 = Math.min(15, int8(x[o + QK / 2 + j] * id + 8.5f)) & 0xFF;
            y[2 + j] = (byte) (xi0 | xi1 << 4);
        }
    }

    private static void q4_1(float[] x, int o, byte[] y) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < QK; j++) {
            float v = x[o + j];
            if (v < min) {
                min = v;
            }
            if (v > max) {
                max = v;
            }
        }
        float d = (max - min) / 15;
        float id = d != 0 ? 1.0f / d : 0.0f;
        LittleEndian.putHalf(y, 0, d);
        LittleEndian.putHalf(y, 2, min);
        for (int j = 0; j < QK / 2; j++) {
            int xi0 = Math.min(15, int8((x[o + j] - min) * id + 0.5f)) & 0xFF;
            int xi1 = Math.min(15, int8((x[o + QK / 2 + j] - min) * id + 0.5f)) & 0xFF;
            y[4 + j] = (byte) (xi0 | xi1 << 4);
        }
    }

    private static void q5_0(float[] x, int o, byte[] y) {
        float amax = 0.0f;
        float max = 0.0f;
        for (int j = 0; j < QK; j++) {
            float v = x[o + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -16;
        float id = d != 0 ? 1.0f / d : 0.0f;
        LittleEndian.putHalf(y, 0, d);
        int qh = 0;
        for (int j = 0; j < QK / 2; j++) {
            int xi0 = Math.min(31, int8(x[o + j] * id + 16.5f)) & 0xFF;
            int xi1 = Math.min(31, int8(x[o + QK / 2 + j] * id + 16.5f)) & 0xFF;
            y[6 + j] = (byte) ((xi0 & 0x0F) | ((xi1 & 0x0F) << 4));
            qh |= ((xi0 & 0x10) >>> 4) << j;
            qh |= ((xi1 & 0x10) >>> 4) << (j + QK / 2);
        }
        LittleEndian.putInt(y, 2, qh);
    }

    private static void q5_1(float[] x, int o, byte[] y) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < QK; j++) {
            float v = x[o + j];
            if (v < min) {
                min = v;
            }
            if (v > max) {
                max = v;
            }
        }
        float d = (max - min) / 31;
        float id = d != 0 ? 1.0f / d : 0.0f;
        LittleEndian.putHalf(y, 0, d);
        LittleEndian.putHalf(y, 2, min);
        int qh = 0;
        for (int j = 0; j < QK / 2; j++) {
            int xi0 = CFloat.truncate((x[o + j] - min) * id + 0.5f) & 0xFF;
            int xi1 = CFloat.truncate((x[o + QK / 2 + j] - min) * id + 0.5f) & 0xFF;
            y[8 + j] = (byte) ((xi0 & 0x0F) | ((xi1 & 0x0F) << 4));
            qh |= ((xi0 & 0x10) >>> 4) << j;
            qh |= ((xi1 & 0x10) >>> 4) << (j + QK / 2);
        }
        LittleEndian.putInt(y, 4, qh);
    }

    private static void q8_0(float[] x, int o, byte[] y) {
        float amax = 0.0f;
        for (int j = 0; j < QK; j++) {
            float av = CFloat.abs(x[o + j]);
            amax = amax > av ? amax : av;
        }
        float d = amax / 127;
        float id = d != 0 ? 1.0f / d : 0.0f;
        LittleEndian.putHalf(y, 0, d);
        for (int j = 0; j < QK; j++) {
            y[2 + j] = (byte) CFloat.roundHalfAway(x[o + j] * id);
        }
    }
}
