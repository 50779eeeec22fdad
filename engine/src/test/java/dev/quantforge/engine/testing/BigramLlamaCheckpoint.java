package dev.quantforge.engine.testing;


import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes a small llama-shaped Hugging Face checkpoint (F32) whose every matrix row is a multiple of
 * 256, so that every K-quant applies to it where stories260K's 64- and 172-wide rows make them fall
 * back: hidden 256, MLP 768, 4 heads, 2 KV heads, 2 layers, stories260K's 512-piece tokenizer,
 * separate lm_head.
 *
 * <p>Random weights alone predict a near-uniform next token, so a variant's KL divergence would be
 * too small to rank types by. Instead the model is a noisy bigram model of a training text: one
 * hidden channel of every embedding is a large constant that the lm_head reads as the text's log
 * unigram frequency, and the other channels carry each token's random code, which the lm_head maps
 * to that token's log bigram ratio (pointwise mutual information) with the next one. The two
 * transformer layers have random weights scaled to stir the residual stream without drowning it,
 * so their quantization moves the predictions too. Deterministic for a seed.
 */
public final class BigramLlamaCheckpoint {
    private static final int HIDDEN = 256;
    private static final int FF = 768;
    private static final int HEADS = 4;
    private static final int KV_HEADS = 2;
    private static final int HEAD_DIM = HIDDEN / HEADS;
    private static final int LAYERS = 2;
    private static final int VOCAB = 512;
    /** The constant channel's value in every embedding: dominates the other channels' unit variance. */
    private static final float CONSTANT_CHANNEL = 8;
    /** How strongly the lm_head follows the bigram statistics. */
    private static final double BIGRAM_GAIN = 1.5;
    private static final double ATTENTION_STD = 0.044;
    private static final double GATE_UP_STD = 1.0 / 16;
    private static final double DOWN_STD = 0.03;

    private BigramLlamaCheckpoint() {
    }

    /**
     * @param dir            created with config, tokenizer files and model.safetensors
     * @param trainingTokens token ids of the text whose statistics the model learns (BOS before each paragraph)
     */
    public static Path write(Path dir, int[] trainingTokens, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] embedding = new float[VOCAB][HIDDEN];
        for (float[] row : embedding) {
            row[0] = CONSTANT_CHANNEL;
            for (int d = 1; d < HIDDEN; d++) {
                row[d] = (float) random.nextGaussian();
            }
        }
        SafetensorsFiles.Builder out = new SafetensorsFiles.Builder().metadata("format", "pt");
        out.f32("model.embed_tokens.weight", new long[] {VOCAB, HIDDEN}, flatten(embedding));
        for (int layer = 0; layer < LAYERS; layer++) {
            String p = "model.layers." + layer + ".";
            out.f32(p + "input_layernorm.weight", new long[] {HIDDEN}, ones(HIDDEN));
            out.f32(p + "self_attn.q_proj.weight", new long[] {HIDDEN, HIDDEN}, gaussian(random, HIDDEN * HIDDEN, ATTENTION_STD));
            out.f32(p + "self_attn.k_proj.weight", new long[] {KV_HEADS * HEAD_DIM, HIDDEN},
                    gaussian(random, KV_HEADS * HEAD_DIM * HIDDEN, ATTENTION_STD));
            out.f32(p + "self_attn.v_proj.weight", new long[] {KV_HEADS * HEAD_DIM, HIDDEN},
                    gaussian(random, KV_HEADS * HEAD_DIM * HIDDEN, ATTENTION_STD));
            out.f32(p + "self_attn.o_proj.weight", new long[] {HIDDEN, HIDDEN}, gaussian(random, HIDDEN * HIDDEN, ATTENTION_STD));
            out.f32(p + "post_attention_layernorm.weight", new long[] {HIDDEN}, ones(HIDDEN));
            out.f32(p + "mlp.gate_proj.weight", new long[] {FF, HIDDEN}, gaussian(random, FF * HIDDEN, GATE_UP_STD));
            out.f32(p + "mlp.up_proj.weight", new long[] {FF, HIDDEN}, gaussian(random, FF * HIDDEN, GATE_UP_STD));
            out.f32(p + "mlp.down_proj.weight", new long[] {HIDDEN, FF}, gaussian(random, HIDDEN * FF, DOWN_STD));
        }
        out.f32("model.norm.weight", new long[] {HIDDEN}, ones(HIDDEN));
        out.f32("lm_head.weight", new long[] {VOCAB, HIDDEN}, flatten(lmHead(embedding, trainingTokens)));
        try {
            Files.createDirectories(dir);
            new LlamaConfigJson(HIDDEN, FF, LAYERS, HEADS, KV_HEADS, 512, VOCAB, "float32").write(dir);
            for (String file : List.of("tokenizer.model", "tokenizer_config.json", "special_tokens_map.json")) {
                Files.copy(Models.stories260K().resolve(file), dir.resolve(file));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write(dir.resolve("model.safetensors"));
        return dir;
    }

    /**
     * Row j: the constant channel carries log p(j) (centered); the others sum, over previous tokens i,
     * PMI(i, j) times i's code, so that the code of the current token picks out its own PMI row.
     */
    private static float[][] lmHead(float[][] embedding, int[] text) {
        double[] unigram = new double[VOCAB];
        double[][] bigram = new double[VOCAB][VOCAB];
        for (int t = 0; t < text.length; t++) {
            unigram[text[t]]++;
            if (t + 1 < text.length) {
                bigram[text[t]][text[t + 1]]++;
            }
        }
        double total = 0;
        for (int j = 0; j < VOCAB; j++) {
            unigram[j] += 0.1; // every token keeps some probability
            total += unigram[j];
        }
        double[] logUnigram = new double[VOCAB];
        double meanLog = 0;
        for (int j = 0; j < VOCAB; j++) {
            logUnigram[j] = Math.log(unigram[j] / total);
            meanLog += logUnigram[j] / VOCAB;
        }
        // After RMSNorm the constant channel is CONSTANT_CHANNEL / rms of a row.
        double normalizedConstant = CONSTANT_CHANNEL / Math.sqrt((CONSTANT_CHANNEL * CONSTANT_CHANNEL + HIDDEN - 1.0) / HIDDEN);
        double normalizedCode = 1 / Math.sqrt((CONSTANT_CHANNEL * CONSTANT_CHANNEL + HIDDEN - 1.0) / HIDDEN);
        float[][] head = new float[VOCAB][HIDDEN];
        for (int i = 0; i < VOCAB; i++) {
            double row = 0;
            for (int j = 0; j < VOCAB; j++) {
                row += bigram[i][j];
            }
            if (row == 0) {
                continue;
            }
            for (int j = 0; j < VOCAB; j++) {
                if (bigram[i][j] == 0) {
                    continue;
                }
                // additive smoothing toward the unigram keeps rare contexts near 0
                double pmi = Math.log((bigram[i][j] + unigram[j] / total) / (row + 1)) - logUnigram[j];
                double weight = BIGRAM_GAIN * pmi / (normalizedCode * (HIDDEN - 1));
                for (int d = 1; d < HIDDEN; d++) {
                    head[j][d] += (float) (weight * embedding[i][d]);
                }
            }
        }
        for (int j = 0; j < VOCAB; j++) {
            head[j][0] = (float) ((logUnigram[j] - meanLog) / normalizedConstant);
        }
        return head;
    }

    private static float[] gaussian(SplittableRandom random, int count, double std) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) (random.nextGaussian() * std);
        }
        return values;
    }

    private static float[] ones(int count) {
        float[] values = new float[count];
        Arrays.fill(values, 1f);
        return values;
    }

    private static float[] flatten(float[][] rows) {
        float[] values = new float[rows.length * rows[0].length];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, values, r * rows[0].length, rows[0].length);
        }
        return values;
    }
}
