package dev.quantforge.engine.bench;

import dev.quantforge.common.InvalidInputException;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipException;

import static dev.quantforge.engine.bench.ReferenceLogits.LEVELS_PER_NAT;
import static dev.quantforge.engine.bench.ReferenceLogits.MAGIC;
import static dev.quantforge.engine.bench.ReferenceLogits.MAX_LEVEL;
import static dev.quantforge.engine.bench.ReferenceLogits.NOT_LISTED;
import static dev.quantforge.engine.bench.ReferenceLogits.VERSION;

/** The binary form of {@link ReferenceLogits}: a magic and version header, then a deflated body. */
final class ReferenceLogitsFormat {
    private ReferenceLogitsFormat() {
    }

    static ReferenceLogits read(InputStream in) throws IOException {
        DataInputStream header = new DataInputStream(in);
        try {
            byte[] magic = new byte[MAGIC.length];
            header.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new InvalidInputException("not a quantforge reference logits stream (it starts with "
                        + HexFormat.of().formatHex(magic) + ")");
            }
            int version = header.readInt();
            if (version != VERSION) {
                throw new InvalidInputException("reference logits of format version " + version + ", this build reads version "
                        + VERSION + "; compute them again");
            }
            Inflater inflater = new Inflater();
            try {
                return readBody(new DataInputStream(new InflaterInputStream(in, inflater)));
            } finally {
                inflater.end();
            }
        } catch (EOFException e) {
            throw new InvalidInputException("reference logits stream ends early (truncated)", e);
        } catch (ZipException e) {
            throw new InvalidInputException("reference logits stream is damaged (" + e.getMessage() + ")", e);
        }
    }

    static void write(ReferenceLogits reference, OutputStream out) throws IOException {
        DataOutputStream header = new DataOutputStream(out);
        header.write(MAGIC);
        header.writeInt(VERSION);
        header.flush();
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        try {
            DeflaterOutputStream compressed = new DeflaterOutputStream(out, deflater, 1 << 16);
            writeBody(reference, new DataOutputStream(compressed));
            compressed.finish();
            out.flush();
        } finally {
            deflater.end();
        }
    }

    /*
     * Body (deflated): vocabulary, context, top-k, tail mass, levels per nat, scored positions, stride,
     * compared positions, source nll sum, hash of the scored tokens, text sha256; then column by
     * column, which deflates better than position by position: token counts, token ids, level steps
     * within each position (levels rise as probabilities fall), rest levels, correct-token slots (+1,
     * 0 = not listed), levels of the unlisted correct tokens, floors (BF16).
     */
    private static void writeBody(ReferenceLogits r, DataOutputStream out) throws IOException {
        out.writeInt(r.vocabularySize);
        out.writeInt(r.contextLength);
        out.writeInt(r.topK);
        out.writeDouble(r.tailMass);
        out.writeInt(LEVELS_PER_NAT);
        out.writeInt(r.positions());
        out.writeInt(r.stride);
        out.writeInt(r.comparedPositions());
        out.writeDouble(r.sourceNllSum);
        out.writeLong(r.targetsHash);
        out.write(HexFormat.of().parseHex(r.textSha256));
        for (int p = 0; p < r.comparedPositions(); p++) {
            writeVarint(out, r.start[p + 1] - r.start[p]);
        }
        for (int token : r.tokens) {
            writeVarint(out, token);
        }
        for (int p = 0; p < r.comparedPositions(); p++) {
            int previous = 0;
            for (int k = r.start[p]; k < r.start[p + 1]; k++) {
                writeVarint(out, r.levels[k] - previous);
                previous = r.levels[k];
            }
        }
        for (int level : r.restLevel) {
            writeVarint(out, level);
        }
        for (int slot : r.targetSlot) {
            writeVarint(out, slot + 1);
        }
        for (int p = 0; p < r.comparedPositions(); p++) {
            if (r.targetSlot[p] == NOT_LISTED) {
                writeVarint(out, r.targetLevel[p]);
            }
        }
        for (short f : r.floor) {
            out.writeShort(f);
        }
        out.flush();
    }

    private static ReferenceLogits readBody(DataInputStream in) throws IOException {
        int vocabulary = in.readInt();
        int contextLength = in.readInt();
        int topK = in.readInt();
        double tailMass = in.readDouble();
        int levelsPerNat = in.readInt();
        int scored = in.readInt();
        int stride = in.readInt();
        int positions = in.readInt();
        double nllSum = in.readDouble();
        long targetsHash = in.readLong();
        byte[] hash = new byte[32];
        in.readFully(hash);
        if (vocabulary < 2 || contextLength < 2 || topK < 1 || topK >= vocabulary || !(tailMass >= 0 && tailMass < 1)
                || levelsPerNat != LEVELS_PER_NAT || positions < 1 || stride < 1
                || positions != (scored + (long) stride - 1) / stride || !(nllSum >= 0)) {
            throw damaged("implausible header (vocabulary " + vocabulary + ", context " + contextLength + ", top-k " + topK
                    + ", positions " + positions + ")");
        }
        int[] start = new int[positions + 1];
        for (int p = 0; p < positions; p++) {
            int count = readVarint(in, topK);
            if (count < 1) {
                throw damaged("position " + p + " stores no token");
            }
            start[p + 1] = start[p] + count;
        }
        int[] tokens = new int[start[positions]];
        for (int k = 0; k < tokens.length; k++) {
            tokens[k] = readVarint(in, vocabulary - 1);
        }
        int[] levels = new int[tokens.length];
        for (int p = 0; p < positions; p++) {
            int level = 0;
            for (int k = start[p]; k < start[p + 1]; k++) {
                level += readVarint(in, MAX_LEVEL);
                levels[k] = level;
            }
        }
        int[] restLevel = new int[positions];
        for (int p = 0; p < positions; p++) {
            restLevel[p] = readVarint(in, MAX_LEVEL);
        }
        int[] targetSlot = new int[positions];
        for (int p = 0; p < positions; p++) {
            targetSlot[p] = readVarint(in, start[p + 1] - start[p]) - 1;
        }
        int[] targetLevel = new int[positions];
        for (int p = 0; p < positions; p++) {
            targetLevel[p] = targetSlot[p] == NOT_LISTED ? readVarint(in, MAX_LEVEL) : levels[start[p] + targetSlot[p]];
        }
        short[] floor = new short[positions];
        for (int p = 0; p < positions; p++) {
            floor[p] = in.readShort();
        }
        if (in.read() != -1) {
            throw damaged("data after the last position");
        }
        return new ReferenceLogits(vocabulary, contextLength, topK, tailMass, HexFormat.of().formatHex(hash), nllSum,
                scored, stride, targetsHash, start, tokens, levels, restLevel, targetSlot, targetLevel, floor);
    }

    private static InvalidInputException damaged(String problem) {
        return new InvalidInputException("reference logits stream is damaged: " + problem);
    }

    private static void writeVarint(DataOutputStream out, int value) throws IOException {
        while ((value & ~0x7F) != 0) {
            out.writeByte((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        out.writeByte(value);
    }

    private static int readVarint(DataInputStream in, int max) throws IOException {
        long value = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            int b = in.readUnsignedByte();
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                if (value > max) {
                    throw damaged("value " + value + " exceeds " + max);
                }
                return (int) value;
            }
        }
        throw damaged("a number runs over five bytes");
    }
}
