package dev.quantforge.engine.bench;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.Bf16;
import dev.quantforge.engine.runtime.LlamaModel;
import dev.quantforge.engine.runtime.Perplexity;
import dev.quantforge.engine.runtime.ScoringModel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * The source model's next-token distributions on an evaluation text, stored compactly so that every
 * variant of the source can be compared with them without running the source again.
 *
 * <p>Per scored position it keeps the source's most likely tokens, fewest first that cover
 * {@code 1 - tailMass} of the probability (at most {@code topK}), their log-probabilities and the
 * log-probability of all other tokens together (the "rest" bucket), each rounded to 1/256 nat. KL
 * divergence is measured over that partition: it is a coarse-graining of the full-vocabulary KL and
 * so never larger than it; on stories260K with the defaults it reads about 3 % lower. The rounding of the
 * stored log-probabilities would add a small positive floor; the source's own divergence from its
 * rounded form is stored per position and subtracted, so a model compared with its own reference
 * gives exactly 0.
 *
 * <p>The correct token's source probability (for Δp) and the source's exact perplexity are kept too.
 *
 * <p>{@link #within(long)} bounds the size: a reference over budget keeps the distributions of every
 * {@code stride}-th position only (evenly spaced), so KL divergence, same-top and Δp are estimated
 * from that sample, while perplexity still counts every position.
 */
public final class ReferenceLogits {
    /** Most likely tokens stored per position at most. */
    public static final int DEFAULT_TOP_K = 32;
    /** Probability left to the rest bucket: tokens are stored until they cover 99 % of it. */
    public static final double DEFAULT_TAIL_MASS = 0.01;

    static final byte[] MAGIC = "QFRL".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 2;
    /** {@link #within} keeps at least this many compared positions, over budget if it must. */
    static final int MIN_COMPARED_POSITIONS = 100;
    /** Stored log-probabilities are integer multiples of 1/LEVELS_PER_NAT nat. */
    static final int LEVELS_PER_NAT = 256;
    static final int MAX_LEVEL = 1 << 24;
    static final int NOT_LISTED = -1;

    final int vocabularySize;
    final int contextLength;
    final int topK;
    final double tailMass;
    final String textSha256;
    final double sourceNllSum;
    /** Positions the source scored; every {@code stride}-th of them (from 0) has its distribution below. */
    final int scoredPositions;
    final int stride;
    /** {@link #tokenHash} of the scored tokens: a variant must predict the same text tokens. */
    final long targetsHash;
    /** Position p's tokens are {@code tokens[start[p] .. start[p + 1])}, most likely first. */
    final int[] start;
    final int[] tokens;
    /** {@code -ln p} of each stored token in levels (1/256 nat). */
    final int[] levels;
    final int[] restLevel;
    /** Index of the correct token in its position's list, or NOT_LISTED. */
    final int[] targetSlot;
    /** {@code -ln p(correct token)} in levels, for every position. */
    final int[] targetLevel;
    /** BF16 bits of the source's own coarse KL from its rounded distribution (the floor subtracted). */
    final short[] floor;

    ReferenceLogits(int vocabularySize, int contextLength, int topK, double tailMass, String textSha256,
                            double sourceNllSum, int scoredPositions, int stride, long targetsHash, int[] start, int[] tokens, int[] levels, int[] restLevel,
                            int[] targetSlot, int[] targetLevel, short[] floor) {
        this.vocabularySize = vocabularySize;
        this.contextLength = contextLength;
        this.topK = topK;
        this.tailMass = tailMass;
        this.textSha256 = textSha256;
        this.sourceNllSum = sourceNllSum;
        this.scoredPositions = scoredPositions;
        this.stride = stride;
        this.targetsHash = targetsHash;
        this.start = start;
        this.tokens = tokens;
        this.levels = levels;
        this.restLevel = restLevel;
        this.targetSlot = targetSlot;
        this.targetLevel = targetLevel;
        this.floor = floor;
    }

    /** Runs {@code source} over {@code paragraphs} and keeps, per scored position, what KLD needs. */
    public static ReferenceLogits compute(LlamaModel source, List<String> paragraphs, int topK) {
        return compute(source, paragraphs, topK, DEFAULT_TAIL_MASS);
    }

    /**
     * Like {@link #compute(LlamaModel, List, int)}; {@code tailMass} is the probability a position may
     * leave to the rest bucket before {@code topK} tokens are stored (0 stores {@code topK} always).
     */
    public static ReferenceLogits compute(LlamaModel source, List<String> paragraphs, int topK, double tailMass) {
        int vocabulary = source.vocabularySize();
        if (topK < 1 || topK >= vocabulary) {
            throw new InvalidInputException("reference top-k must be 1.." + (vocabulary - 1) + " for a vocabulary of "
                    + vocabulary + ", got " + topK);
        }
        if (!(tailMass >= 0 && tailMass < 1)) {
            throw new InvalidInputException("reference tail mass must be in [0, 1), got " + tailMass);
        }
        Builder builder = new Builder(vocabulary, topK, tailMass);
        Perplexity perplexity = source.perplexity(paragraphs, (index, target, logits) -> builder.add(target, logits));
        return builder.build(source.contextLength(), sha256(paragraphs), perplexity.nllSum());
    }

    /**
     * Runs {@code variant} over the same paragraphs and compares it position by position. The source
     * itself, loaded with the same {@link LlamaModel.Options} as for {@link #compute}, gives exactly 0.
     */
    public QualityFigures compare(ScoringModel variant, List<String> paragraphs) {
        String hash = sha256(paragraphs);
        if (!hash.equals(textSha256)) {
            throw new InvalidInputException("the evaluation text (sha256 " + hash + ") is not the one of the reference logits ("
                    + textSha256 + ")");
        }
        if (variant.vocabularySize() != vocabularySize) {
            throw new InvalidInputException(variant.file() + ": vocabulary of " + variant.vocabularySize()
                    + " tokens, the reference logits have " + vocabularySize);
        }
        if (variant.contextLength() != contextLength) {
            throw new InvalidInputException(variant.file() + ": context of " + variant.contextLength()
                    + " positions, the reference logits were computed with " + contextLength);
        }
        int positions = positions();
        int compared = comparedPositions();
        double[] kld = new double[compared];
        double[] coarse = new double[topK + 1];
        boolean[] listed = new boolean[vocabularySize];
        int[] sameTop = new int[1];
        double[] squaredDeltaP = new double[1];
        int[] seen = new int[1];
        long[] targets = {0};
        Perplexity perplexity = variant.perplexity(paragraphs, (index, target, logits) -> {
            if (index >= positions) {
                throw new InvalidInputException(variant.file() + ": scores more than the " + positions
                        + " positions of the reference logits");
            }
            targets[0] = tokenHash(targets[0], target);
            seen[0]++;
            if (index % stride != 0) {
                return;
            }
            int k = index / stride;
            double logSum = coarseLogProbabilities(logits, k, coarse, listed);
            kld[k] = roundedToBf16(divergence(k, coarse)) - Bf16.toFloat(floor[k]);
            if (LlamaModel.argmax(logits) == tokens[start[k]]) {
                sameTop[0]++;
            }
            // both probabilities through the same rounding, so that the source against itself gives 0
            double deltaP = probability(k, level(logits[target] - logSum)) - probability(k, targetLevel[k]);
            squaredDeltaP[0] += deltaP * deltaP;
        });
        if (seen[0] != positions) {
            throw new InvalidInputException(variant.file() + ": scores " + seen[0] + " positions, the reference logits have "
                    + positions);
        }
        if (targets[0] != targetsHash) {
            throw new InvalidInputException(variant.file() + ": tokenizes the evaluation text differently from the source"
                    + " of the reference logits");
        }
        double sourcePpl = sourcePerplexity();
        double[] sorted = kld.clone();
        Arrays.sort(sorted);
        return new QualityFigures(positions, compared, sourcePpl, perplexity.ppl(), 100 * (perplexity.ppl() / sourcePpl - 1),
                Arrays.stream(kld).sum() / compared, percentile(sorted, 0.5), percentile(sorted, 0.99),
                sorted[compared - 1], 100.0 * sameTop[0] / compared, 100 * Math.sqrt(squaredDeltaP[0] / compared), topK);
    }

    /** Reads what {@link #write} wrote; a damaged or foreign stream is an InvalidInputException. */
    public static ReferenceLogits read(InputStream in) throws IOException {
        return ReferenceLogitsFormat.read(in);
    }

    public void write(OutputStream out) throws IOException {
        ReferenceLogitsFormat.write(this, out);
    }

    /** The encoded form, as {@link #write} writes it. */
    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * This reference, or an evenly spaced sample of its positions whose encoding fits {@code maxBytes}:
     * the smallest stride that fits, keeping at least {@value #MIN_COMPARED_POSITIONS} positions (or
     * all there are) even if that is over budget.
     */
    public ReferenceLogits within(long maxBytes) {
        long size = toBytes().length;
        int maxStride = Math.max(1, comparedPositions() / MIN_COMPARED_POSITIONS);
        if (size <= maxBytes || maxStride == 1) {
            return this;
        }
        // the size falls about as 1/stride: start from that estimate and step up until it fits
        for (int n = (int) Math.min(maxStride, Math.max(2, size / Math.max(1, maxBytes))); ; n++) {
            ReferenceLogits sample = everyNth(n);
            if (n >= maxStride || sample.toBytes().length <= maxBytes) {
                return sample;
            }
        }
    }

    /** The reference keeping its compared positions {@code 0, n, 2n, ...}. */
    private ReferenceLogits everyNth(int n) {
        if (n == 1) {
            return this;
        }
        int kept = (comparedPositions() + n - 1) / n;
        int[] newStart = new int[kept + 1];
        int[] keep = new int[kept];
        for (int k = 0; k < kept; k++) {
            keep[k] = k * n;
            newStart[k + 1] = newStart[k] + start[keep[k] + 1] - start[keep[k]];
        }
        int[] newTokens = new int[newStart[kept]];
        int[] newLevels = new int[newStart[kept]];
        int[] newRest = new int[kept];
        int[] newSlot = new int[kept];
        int[] newTarget = new int[kept];
        short[] newFloor = new short[kept];
        for (int k = 0; k < kept; k++) {
            int p = keep[k];
            System.arraycopy(tokens, start[p], newTokens, newStart[k], newStart[k + 1] - newStart[k]);
            System.arraycopy(levels, start[p], newLevels, newStart[k], newStart[k + 1] - newStart[k]);
            newRest[k] = restLevel[p];
            newSlot[k] = targetSlot[p];
            newTarget[k] = targetLevel[p];
            newFloor[k] = floor[p];
        }
        return new ReferenceLogits(vocabularySize, contextLength, topK, tailMass, textSha256, sourceNllSum, scoredPositions,
                stride * n, targetsHash, newStart, newTokens, newLevels, newRest, newSlot, newTarget, newFloor);
    }

    /** What {@link #within} gives by default: 1 % of the source's size on disk. */
    public static long defaultBudget(long sourceBytes) {
        return sourceBytes / 100;
    }

    public double sourcePerplexity() {
        return Math.exp(sourceNllSum / positions());
    }

    /** SHA-256 (hex) of the evaluation text's paragraphs joined by "\n\n", to check a reuse is for the same text. */
    public String textSha256() {
        return textSha256;
    }

    /** Scored positions: every text token of the evaluation text. */
    public int positions() {
        return scoredPositions;
    }

    /** Positions whose source distribution is kept: all, or every {@link #stride()}-th after {@link #within}. */
    public int comparedPositions() {
        return restLevel.length;
    }

    public int stride() {
        return stride;
    }

    public int topK() {
        return topK;
    }

    public double tailMass() {
        return tailMass;
    }

    public int vocabularySize() {
        return vocabularySize;
    }

    public int contextLength() {
        return contextLength;
    }

    /** Source tokens stored over all positions (besides one rest bucket per position). */
    public int storedTokens() {
        return tokens.length;
    }

    /**
     * Fills {@code out[0..n)} with the log-probabilities of {@code ids[from, from + n)} and {@code out[n]}
     * with that of all other tokens together, from a raw logits row; returns the row's log-sum-exp. The
     * source's floor and every variant's divergence go through this same arithmetic, which is what makes
     * a self-comparison exactly 0.
     */
    private static double coarseLogProbabilities(float[] logits, int[] ids, int from, int n, double[] out,
                                                 boolean[] listed) {
        for (int j = 0; j < n; j++) {
            listed[ids[from + j]] = true;
        }
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double all = 0;
        double rest = 0;
        for (int i = 0; i < logits.length; i++) {
            double e = Math.exp(logits[i] - max);
            all += e;
            if (!listed[i]) {
                rest += e;
            }
        }
        double logSum = max + Math.log(all);
        for (int j = 0; j < n; j++) {
            out[j] = logits[ids[from + j]] - logSum;
            listed[ids[from + j]] = false;
        }
        out[n] = max + Math.log(rest) - logSum;
        return logSum;
    }

    /** KL(stored distribution || {@code coarse}) over the {@code n} stored tokens and the rest bucket. */
    private static double divergence(int[] levels, int from, int n, int restLevel, double[] coarse) {
        double logNorm = logNormalizer(levels, from, n, restLevel);
        double kl = 0;
        for (int j = 0; j <= n; j++) {
            double logP = -(j < n ? levels[from + j] : restLevel) / (double) LEVELS_PER_NAT - logNorm;
            kl += Math.exp(logP) * (logP - coarse[j]);
        }
        return kl;
    }

    /** The stored log-probabilities, rounded, no longer sum to exactly 1: this renormalizes them. */
    private static double logNormalizer(int[] levels, int from, int n, int restLevel) {
        double sum = Math.exp(-restLevel / (double) LEVELS_PER_NAT);
        for (int k = from; k < from + n; k++) {
            sum += Math.exp(-levels[k] / (double) LEVELS_PER_NAT);
        }
        return Math.log(sum);
    }

    private double coarseLogProbabilities(float[] logits, int index, double[] out, boolean[] listed) {
        return coarseLogProbabilities(logits, tokens, start[index], start[index + 1] - start[index], out, listed);
    }

    private double divergence(int index, double[] coarse) {
        return divergence(levels, start[index], start[index + 1] - start[index], restLevel[index], coarse);
    }

    /** The probability a log-probability of {@code level} levels stands for at position {@code index}. */
    private double probability(int index, int level) {
        double logNorm = logNormalizer(levels, start[index], start[index + 1] - start[index], restLevel[index]);
        return Math.exp(-level / (double) LEVELS_PER_NAT - logNorm);
    }

    private static long tokenHash(long hash, int token) {
        return hash * 1_000_003L + token + 1;
    }

    private static double roundedToBf16(double value) {
        return Bf16.toFloat(Bf16.fromFloat((float) value));
    }

    private static int level(double logProbability) {
        return (int) Math.min(MAX_LEVEL, Math.round(-logProbability * LEVELS_PER_NAT));
    }

    /** Linear interpolation between the closest ranks of an ascending array. */
    private static double percentile(double[] sorted, double fraction) {
        double rank = fraction * (sorted.length - 1);
        int below = (int) Math.floor(rank);
        int above = Math.min(sorted.length - 1, below + 1);
        return sorted[below] + (rank - below) * (sorted[above] - sorted[below]);
    }

    /** The identity of an evaluation text, as {@link #textSha256()} records it. */
    public static String sha256(List<String> paragraphs) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(String.join("\n\n", paragraphs).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Collects positions as the source's perplexity run hands them over. */
    private static final class Builder {
        private final int topK;
        private final double tailMass;
        private final int[] best;
        private final int[] bestLevels;
        private final double[] coarse;
        private final boolean[] listed;
        private final IntList start = new IntList();
        private final IntList tokens = new IntList();
        private final IntList levels = new IntList();
        private final IntList restLevel = new IntList();
        private final IntList targetSlot = new IntList();
        private final IntList targetLevel = new IntList();
        private final IntList floor = new IntList();
        private long targetsHash;

        Builder(int vocabulary, int topK, double tailMass) {
            this.topK = topK;
            this.tailMass = tailMass;
            this.best = new int[topK];
            this.bestLevels = new int[topK];
            this.coarse = new double[topK + 1];
            this.listed = new boolean[vocabulary];
            this.start.add(0);
        }

        void add(int target, float[] logits) {
            targetsHash = tokenHash(targetsHash, target);
            int found = mostLikely(logits);
            double logSum = coarseLogProbabilities(logits, best, 0, found, coarse, listed);
            int n = 0;
            double covered = 0;
            while (n < found && (n == 0 || covered < 1 - tailMass)) {
                covered += Math.exp(coarse[n]);
                n++;
            }
            // the rest bucket and the floor from the same arithmetic a comparison uses
            coarseLogProbabilities(logits, best, 0, n, coarse, listed);
            int slot = NOT_LISTED;
            for (int j = 0; j < n; j++) {
                bestLevels[j] = level(coarse[j]);
                tokens.add(best[j]);
                levels.add(bestLevels[j]);
                if (best[j] == target) {
                    slot = j;
                }
            }
            int rest = level(coarse[n]);
            start.add(tokens.size());
            restLevel.add(rest);
            targetSlot.add(slot);
            targetLevel.add(slot == NOT_LISTED ? level(logits[target] - logSum) : bestLevels[slot]);
            floor.add(Bf16.fromFloat((float) divergence(bestLevels, 0, n, rest, coarse)));
        }

        /** Fills {@link #best} with the most likely tokens, highest logit first, lowest id on ties. */
        private int mostLikely(float[] logits) {
            int count = 0;
            for (int i = 0; i < logits.length; i++) {
                if (count == topK && !(logits[i] > logits[best[count - 1]])) {
                    continue;
                }
                int at = Math.min(count, topK - 1);
                while (at > 0 && logits[i] > logits[best[at - 1]]) {
                    best[at] = best[at - 1];
                    at--;
                }
                best[at] = i;
                count = Math.min(topK, count + 1);
            }
            return count;
        }

        ReferenceLogits build(int contextLength, String textSha256, double nllSum) {
            short[] floors = new short[floor.size()];
            for (int i = 0; i < floors.length; i++) {
                floors[i] = (short) floor.get(i);
            }
            return new ReferenceLogits(listed.length, contextLength, topK, tailMass, textSha256, nllSum, restLevel.size(), 1,
                    targetsHash, start.toArray(),
                    tokens.toArray(), levels.toArray(), restLevel.toArray(), targetSlot.toArray(), targetLevel.toArray(),
                    floors);
        }
    }

    private static final class IntList {
        private int[] values = new int[1024];
        private int size;

        void add(int value) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = value;
        }

        int get(int index) {
            return values[index];
        }

        int size() {
            return size;
        }

        int[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }
}
