package dev.quantforge.engine.mlx;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.Bf16;
import dev.quantforge.engine.ggml.Fp16;
import dev.quantforge.engine.safetensors.SafetensorsDtype;

import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Optional;

/**
 * The floating dtypes an MLX model is saved in. Conversions from float32 round to nearest even, as MLX's
 * {@code astype}; a NaN is stored with the bit pattern MLX's CPU build writes (0xFD00 in float16, 0x7FC0 in
 * bfloat16, 0x7FC00000 in float32).
 */
public enum MlxDtype {
    FLOAT16(SafetensorsDtype.F16),
    BFLOAT16(SafetensorsDtype.BF16),
    FLOAT32(SafetensorsDtype.F32);

    private final SafetensorsDtype safetensors;

    MlxDtype(SafetensorsDtype safetensors) {
        this.safetensors = safetensors;
    }

    /** The name config.json and mlx-lm's {@code --dtype} use, e.g. {@code bfloat16}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public SafetensorsDtype safetensors() {
        return safetensors;
    }

    public int byteWidth() {
        return safetensors.byteWidth();
    }

    /**
     * {@code value} rounded to this dtype and widened back to float32 (exact). A NaN becomes the NaN MLX's
     * conversion gives (its sign matters to the fp8 encoding).
     */
    public float round(float value) {
        if (Float.isNaN(value) && this != FLOAT32) {
            return decode(encode(value));
        }
        return switch (this) {
            case FLOAT32 -> value;
            case FLOAT16 -> Fp16.toFloat(Fp16.fromFloat(value));
            case BFLOAT16 -> Bf16.toFloat(Bf16.fromFloat(value));
        };
    }

    /** The stored bits of {@code value} in this dtype (low 16 bits for the 2-byte types). */
    public int encode(float value) {
        if (Float.isNaN(value)) {
            return switch (this) {
                case FLOAT32 -> 0x7FC00000;
                case FLOAT16 -> 0xFD00;
                case BFLOAT16 -> 0x7FC0;
            };
        }
        return switch (this) {
            case FLOAT32 -> Float.floatToRawIntBits(value);
            case FLOAT16 -> Fp16.fromFloat(value) & 0xFFFF;
            case BFLOAT16 -> Bf16.fromFloat(value) & 0xFFFF;
        };
    }

    public float decode(int bits) {
        return switch (this) {
            case FLOAT32 -> Float.intBitsToFloat(bits);
            case FLOAT16 -> Fp16.toFloat((short) bits);
            case BFLOAT16 -> Bf16.toFloat((short) bits);
        };
    }

    /** Appends {@code value}, rounded to this dtype, to a little-endian buffer. */
    public void put(ByteBuffer out, float value) {
        int bits = encode(value);
        if (this == FLOAT32) {
            out.putInt(bits);
        } else {
            out.putShort((short) bits);
        }
    }

    /** Reads element {@code index} of a little-endian buffer of this dtype. */
    public float get(ByteBuffer in, int index) {
        return this == FLOAT32 ? in.getFloat(index * 4) : decode(in.getShort(index * 2) & 0xFFFF);
    }

    public static Optional<MlxDtype> of(SafetensorsDtype dtype) {
        for (MlxDtype d : values()) {
            if (d.safetensors == dtype) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /** A user's {@code --dtype}: float16, bfloat16 or float32. */
    public static MlxDtype parse(String name) {
        for (MlxDtype d : values()) {
            if (d.configName().equals(name.toLowerCase(Locale.ROOT))) {
                return d;
            }
        }
        throw new InvalidInputException("unknown dtype " + name + "; choose float16, bfloat16 or float32");
    }

    /** A config.json {@code torch_dtype}, when it names one of these. */
    public static Optional<MlxDtype> ofConfigName(String name) {
        for (MlxDtype d : values()) {
            if (d.configName().equals(name)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }
}
