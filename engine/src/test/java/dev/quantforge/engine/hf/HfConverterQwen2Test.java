package dev.quantforge.engine.hf;

import dev.quantforge.engine.ggml.Bf16;
import dev.quantforge.engine.ggml.Fp16;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.gguf.GgufFile;
import dev.quantforge.engine.gguf.GgufTensorInfo;
import dev.quantforge.engine.safetensors.SafetensorsCheckpoint;
import dev.quantforge.engine.tensor.TensorSource;
import dev.quantforge.engine.testing.TinyQwen2;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A generated tiny Qwen2 checkpoint with a byte-level BPE tokenizer.json converts as llama.cpp would. */
class HfConverterQwen2Test {

    @TempDir
    static Path tmp;

    static Path checkpoint;
    static Path gguf;

    @BeforeAll
    static void convert() {
        checkpoint = TinyQwen2.write(tmp.resolve("tiny-qwen2"));
        gguf = tmp.resolve("tiny-qwen2-f16.gguf");
        HfConverter.convert(checkpoint, gguf, OutputType.F16);
    }

    @Test
    void tensorsAreRenamedWithBiasesInF32AndNoOutputHead() {
        try (GgufFile file = GgufFile.open(gguf)) {
            assertEquals(2 + TinyQwen2.LAYERS * 12, file.tensorInfos().size());
            assertTrue(file.tensorInfo("output.weight").isEmpty(), "tied embeddings");
            assertEquals(GgmlType.F16, file.tensorInfo("token_embd.weight").orElseThrow().type());
            assertArrayEquals(new long[] {TinyQwen2.HIDDEN, TinyQwen2.VOCAB}, file.tensorInfo("token_embd.weight").orElseThrow().shape());
            GgufTensorInfo bias = file.tensorInfo("blk.1.attn_k.bias").orElseThrow();
            assertEquals(GgmlType.F32, bias.type());
            assertArrayEquals(new long[] {TinyQwen2.KV_HEADS * TinyQwen2.HEAD_DIM}, bias.shape());
            assertEquals(GgmlType.F32, file.tensorInfo("blk.0.ffn_norm.weight").orElseThrow().type());
            assertArrayEquals(new long[] {TinyQwen2.FF, TinyQwen2.HIDDEN}, file.tensorInfo("blk.0.ffn_down.weight").orElseThrow().shape());
        }
    }

    @Test
    void qwen2RowsStayInPlaceAndValuesRoundFromBf16() {
        try (GgufFile file = GgufFile.open(gguf); SafetensorsCheckpoint source = SafetensorsCheckpoint.open(checkpoint)) {
            for (String[] pair : List.of(new String[] {"model.layers.0.self_attn.q_proj.weight", "blk.0.attn_q.weight"},
                    new String[] {"model.layers.1.self_attn.k_proj.weight", "blk.1.attn_k.weight"},
                    new String[] {"model.layers.1.self_attn.q_proj.bias", "blk.1.attn_q.bias"})) {
                TensorSource hf = source.source(pair[0]);
                GgufTensorInfo out = file.tensorInfo(pair[1]).orElseThrow();
                ByteBuffer in = hf.bytes(0, (int) hf.byteSize());
                ByteBuffer converted = file.map(out, 0, (int) out.byteSize());
                for (int i = 0; i < hf.elementCount(); i++) {
                    float value = Bf16.toFloat(in.getShort(2 * i));
                    float actual = out.type() == GgmlType.F32 ? converted.getFloat(4 * i) : Fp16.toFloat(converted.getShort(2 * i));
                    float expected = out.type() == GgmlType.F32 ? value : Fp16.toFloat(Fp16.fromFloat(value));
                    assertEquals(expected, actual, pair[1] + "[" + i + "]");
                }
            }
        }
    }

    @Test
    void hyperparametersFollowQwen2() {
        try (GgufFile file = GgufFile.open(gguf)) {
            assertEquals("qwen2", file.getString("general.architecture").orElseThrow());
            assertEquals(TinyQwen2.LAYERS, file.get("qwen2.block_count").orElseThrow().asLong());
            assertEquals(TinyQwen2.KV_HEADS, file.get("qwen2.attention.head_count_kv").orElseThrow().asLong());
            assertEquals(1e6f, file.get("qwen2.rope.freq_base").orElseThrow().value());
            assertEquals(1e-6f, file.get("qwen2.attention.layer_norm_rms_epsilon").orElseThrow().value());
            assertEquals(1, file.get("general.file_type").orElseThrow().asLong());
        }
    }

    @Test
    void byteLevelBpeVocabularyBecomesGpt2WithQwen2PreTokenizer() {
        try (GgufFile file = GgufFile.open(gguf)) {
            assertEquals("gpt2", file.getString("tokenizer.ggml.model").orElseThrow());
            assertEquals("qwen2", file.getString("tokenizer.ggml.pre").orElseThrow());
            String[] tokens = file.get("tokenizer.ggml.tokens").orElseThrow().asArray().strings();
            int[] types = file.get("tokenizer.ggml.token_type").orElseThrow().asArray().ints();
            assertEquals(TinyQwen2.VOCAB, tokens.length);
            assertEquals("\u0120", tokens[32], "space is spelled Ġ");
            assertEquals("\u0120the", tokens[258]);
            assertArrayEquals(new String[] {"<|endoftext|>", "<|im_start|>", "<|im_end|>", "my word", "[PAD263]"},
                    Arrays.copyOfRange(tokens, 259, 264));
            assertArrayEquals(new int[] {1, 3, 3, 3, 4, 5}, Arrays.copyOfRange(types, 258, 264));
            assertEquals(List.of("\u0120 t", "h e", "\u0120t he"),
                    List.of(file.get("tokenizer.ggml.merges").orElseThrow().asArray().strings()));
            assertTrue(file.get("tokenizer.ggml.scores").isEmpty());
            assertEquals(261, file.get("tokenizer.ggml.eos_token_id").orElseThrow().asLong(), "tokenizer_config's <|im_end|>");
            assertEquals(259, file.get("tokenizer.ggml.padding_token_id").orElseThrow().asLong());
            assertEquals(259, file.get("tokenizer.ggml.bos_token_id").orElseThrow().asLong(), "config.json's bos_token_id");
            assertEquals(TinyQwen2.CHAT_TEMPLATE, file.getString("tokenizer.chat_template").orElseThrow());
        }
    }

    @Test
    void f32SourceOfTheSameCheckpointWidensBf16Exactly() {
        try (HfModelSource source = HfModelSource.open(checkpoint, OutputType.F32)) {
            TensorSource embd = source.tensors().stream().filter(t -> t.name().equals("token_embd.weight")).findFirst().orElseThrow();
            assertEquals(GgmlType.F32, embd.type());
            float[] row = new float[TinyQwen2.HIDDEN];
            embd.bytes(5L * TinyQwen2.HIDDEN * 4, TinyQwen2.HIDDEN * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(row);
            for (float v : row) {
                assertEquals(v, Bf16.toFloat(Bf16.fromFloat(v)), "a BF16 value widened");
            }
        }
    }
}
