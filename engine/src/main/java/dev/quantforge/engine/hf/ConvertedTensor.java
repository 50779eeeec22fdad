package dev.quantforge.engine.hf;

import dev.quantforge.engine.ggml.Bf16;
import dev.quantforge.engine.ggml.Fp16;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.tensor.TensorSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Set;

/**
 * A checkpoint tensor seen under its GGUF name and type: rows of q/k projections are re-paired from
 * rotate-half to interleaved RoPE order and values are converted between F32, F16 and BF16 as pieces
 * are read, so nothing is held beyond the piece asked for.
 */
final class ConvertedTensor implements TensorSource {
    private static final Set<GgmlType> FLOATS = Set.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16);
    /** Elements converted per mapping of the source. */
    private static final long WINDOW = 1 << 20;

    private final String name;
    private final TensorSource source;
    private final GgmlType type;
    /** The Hugging Face outermost dimension ("units"), each {@code unitLength} elements long. */
    private final long units;
    private final long unitLength;
    /** Units per head for the q/k re-pairing; 0 when units stay in place. */
    private final long headSize;

    /**
     * @param heads number of heads whose rows are re-paired, 0 for none
     */
    ConvertedTensor(String name, TensorSource source, GgmlType type, int heads) {
        if (!FLOATS.contains(source.type()) || !FLOATS.contains(type)) {
            throw new IllegalArgumentException("tensor " + name + ": " + source.type() + " → " + type + " is not a float conversion");
        }
        long[] shape = source.shape();
        this.name = name;
        this.source = source;
        this.type = type;
        this.units = shape[shape.length - 1];
        this.unitLength = source.elementCount() / units;
        if (heads > 0 && (units % heads != 0 || (units / heads) % 2 != 0)) {
            throw new IllegalArgumentException("tensor " + name + ": " + units + " rows do not split into " + heads + " even heads");
        }
        this.headSize = heads == 0 ? 0 : units / heads;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long[] shape() {
        return source.shape();
    }

    @Override
    public GgmlType type() {
        return type;
    }

    @Override
    public ByteBuffer bytes(long offset, int length) {
        int width = type.typeSize();
        if (offset < 0 || length < 0 || offset + length > byteSize() || offset % width != 0 || length % width != 0) {
            throw new IndexOutOfBoundsException("bytes " + offset + "+" + length + " of " + type + " tensor " + name
                    + " (" + byteSize() + " bytes, whole elements only)");
        }
        if (headSize == 0 && source.type() == type) {
            return source.bytes(offset, length);
        }
        ByteBuffer out = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        long first = offset / width;
        long end = first + length / width;
        for (long window = first; window < end; window = Math.min(end, window + WINDOW)) {
            convertWindow(window, Math.min(end, window + WINDOW), first, out);
        }
        return out;
    }

    /** Converts output elements [from, to) into {@code out}, whose element 0 is output element {@code first}. */
    private void convertWindow(long from, long to, long first, ByteBuffer out) {
        long sourceFrom = from;
        long sourceTo = to;
        if (headSize > 0) {
            // re-pairing stays within a head: map whole heads around the window
            long headElements = headSize * unitLength;
            sourceFrom = from / headElements * headElements;
            sourceTo = Math.min(units * unitLength, (to + headElements - 1) / headElements * headElements);
        }
        int inWidth = source.type().typeSize();
        ByteBuffer in = source.bytes(sourceFrom * inWidth, Math.toIntExact((sourceTo - sourceFrom) * inWidth));
        for (long e = from; e < to; ) {
            long run = to - e;
            long sourceElement = e;
            if (headSize > 0) {
                long unit = e / unitLength;
                long within = e % unitLength;
                run = Math.min(run, unitLength - within);
                sourceElement = sourceUnit(unit) * unitLength + within;
            }
            convert(in, (int) (sourceElement - sourceFrom), out, (int) (e - first), (int) run);
            e += run;
        }
    }

    /**
     * Hugging Face stores each head's rows as two halves (rotate-half RoPE pairs row j with row j + D/2);
     * llama.cpp pairs rows 2i and 2i+1. Output row 2i+j of a head is input row j·D/2 + i.
     */
    private long sourceUnit(long unit) {
        long head = unit / headSize;
        long within = unit % headSize;
        return head * headSize + (within % 2) * (headSize / 2) + within / 2;
    }

    private void convert(ByteBuffer in, int inIndex, ByteBuffer out, int outIndex, int count) {
        GgmlType from = source.type();
        if (from == type) {
            int width = type.typeSize();
            out.put(outIndex * width, in, inIndex * width, count * width);
            return;
        }
        for (int k = 0; k < count; k++) {
            float v = switch (from) {
                case F32 -> in.getFloat((inIndex + k) * 4);
                case F16 -> Fp16.toFloat(in.getShort((inIndex + k) * 2));
                default -> Bf16.toFloat(in.getShort((inIndex + k) * 2));
            };
            switch (type) {
                case F32 -> out.putFloat((outIndex + k) * 4, v);
                case F16 -> out.putShort((outIndex + k) * 2, Fp16.fromFloat(v));
                default -> out.putShort((outIndex + k) * 2, Bf16.fromFloat(v));
            }
        }
    }
}
