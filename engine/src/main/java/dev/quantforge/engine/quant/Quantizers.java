package dev.quantforge.engine.quant;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.GgmlType;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The quantizer of every type the engine can produce. */
public final class Quantizers {
    private static final Map<GgmlType, Quantizer> BY_TYPE = new EnumMap<>(GgmlType.class);

    static {
        register(new F32Codec());
        register(new F16Codec());
        register(new Bf16Codec());
        register(new IQ4_NLCodec());
        register(new IQ4_XSCodec());
        register(new TQ2_0Codec());
        register(new TQ1_0Codec());
        register(new MXFP4Codec());
        register(new NVFP4Codec());
        register(new Q1_0Codec());
        register(new Q2_0Codec());
        register(new IQ3_XXSCodec());
        register(new IQ3_SCodec());
        register(new IQ2_SCodec());
        register(new IQ2_XXSCodec());
        register(new IQ2_XSCodec());
        register(new IQ1_SCodec());
        register(new IQ1_MCodec());
        register(new Q4_0Codec());
        register(new Q4_1Codec());
        register(new Q5_0Codec());
        register(new Q5_1Codec());
        register(new Q8_0Codec());
        register(new Q4_KCodec());
        register(new Q5_KCodec());
        register(new Q6_KCodec());
        register(new Q2_KCodec());
        register(new Q3_KCodec());
    }

    private Quantizers() {
    }

    private static void register(Quantizer q) {
        BY_TYPE.put(q.type(), q);
    }

    public static Optional<Quantizer> forType(GgmlType type) {
        return Optional.ofNullable(BY_TYPE.get(type));
    }

    /** The type's quantizer; a type without one is refused as a user's error (a type is what a user picks). */
    public static Quantizer require(GgmlType type) {
        Quantizer q = BY_TYPE.get(type);
        if (q == null) {
            throw new InvalidInputException("quantization to " + type + " is not supported; supported: " + supported());
        }
        return q;
    }

    public static Set<GgmlType> supported() {
        return Collections.unmodifiableSet(BY_TYPE.keySet());
    }
}
