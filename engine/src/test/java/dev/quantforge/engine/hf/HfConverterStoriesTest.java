package dev.quantforge.engine.hf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.engine.ggml.Bf16;
import dev.quantforge.engine.ggml.Fp16;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.gguf.GgufFile;
import dev.quantforge.engine.gguf.GgufTensorInfo;
import dev.quantforge.engine.gguf.GgufValue;
import dev.quantforge.engine.testing.Golden;
import dev.quantforge.engine.testing.Models;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** stories260K in Hugging Face layout converted to GGUF, checked against what llama.cpp's converter produced. */
class HfConverterStoriesTest {

    @TempDir
    static Path tmp;

    static Path f32;

    @BeforeAll
    static void convertTheF32Checkpoint() {
        f32 = tmp.resolve("stories260K-f32.gguf");
        HfConverter.convert(Models.stories260K(), f32, OutputType.F32);
    }

    @Test
    void f32ConversionMatchesLlamaCppTensorForTensor() {
        JsonNode expected = Golden.json(Golden.llamaQuant("stories260K/MANIFEST.json")).path("variants").path("tied").path("input").path("tensors");
        try (GgufFile gguf = GgufFile.open(f32)) {
            assertEquals(expected.size(), gguf.tensorInfos().size(), "tensor count (no output.weight: tied embeddings)");
            for (JsonNode t : expected) {
                String name = t.path("name").asText();
                GgufTensorInfo actual = gguf.tensorInfo(name).orElse(null);
                assertNotNull(actual, name + " missing");
                long[] shape = new long[t.path("shape").size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = t.path("shape").get(i).asLong();
                }
                assertArrayEquals(shape, actual.shape(), name + " shape");
                assertEquals(t.path("type").asText(), actual.type().ggmlName(), name + " type");
                assertEquals(t.path("sha256").asText(), sha256(gguf.map(actual, 0, (int) actual.byteSize())), name + " data");
            }
        }
    }

    @Test
    void f32ConversionCarriesLlamaCppHyperparametersAndVocabulary() {
        try (GgufFile gguf = GgufFile.open(f32)) {
            assertEquals("llama", string(gguf, "general.architecture"));
            assertEquals("260K", string(gguf, "general.size_label"));
            assertEquals(5, number(gguf, "llama.block_count"));
            assertEquals(512, number(gguf, "llama.context_length"));
            assertEquals(64, number(gguf, "llama.embedding_length"));
            assertEquals(172, number(gguf, "llama.feed_forward_length"));
            assertEquals(8, number(gguf, "llama.attention.head_count"));
            assertEquals(4, number(gguf, "llama.attention.head_count_kv"));
            assertEquals(8, number(gguf, "llama.rope.dimension_count"));
            assertEquals(512, number(gguf, "llama.vocab_size"));
            assertEquals(10000f, gguf.get("llama.rope.freq_base").orElseThrow().value());
            assertEquals(1e-5f, gguf.get("llama.attention.layer_norm_rms_epsilon").orElseThrow().value());
            assertEquals(0, number(gguf, "general.file_type"));
            assertEquals(2, number(gguf, "general.quantization_version"));

            assertEquals("llama", string(gguf, "tokenizer.ggml.model"));
            assertEquals("default", string(gguf, "tokenizer.ggml.pre"));
            String[] tokens = gguf.get("tokenizer.ggml.tokens").orElseThrow().asArray().strings();
            float[] scores = gguf.get("tokenizer.ggml.scores").orElseThrow().asArray().floats();
            int[] types = gguf.get("tokenizer.ggml.token_type").orElseThrow().asArray().ints();
            assertEquals(512, tokens.length);
            // tokenizer_config.json marks ids 0-2 special: llama.cpp makes them CONTROL, score -1000
            assertArrayEquals(new String[] {"<unk>", "<s>", "</s>", "<0x00>"}, Arrays.copyOf(tokens, 4));
            assertArrayEquals(new int[] {3, 3, 3, 6}, Arrays.copyOf(types, 4));
            assertArrayEquals(new float[] {-1000, -1000, -1000, 0}, Arrays.copyOf(scores, 4));
            assertEquals("<0xFF>", tokens[258]);
            assertEquals("\u2581t", tokens[259]);
            assertEquals(1, types[259]);
            assertEquals(-1f, scores[260]);
            assertEquals(1, number(gguf, "tokenizer.ggml.bos_token_id"));
            assertEquals(2, number(gguf, "tokenizer.ggml.eos_token_id"));
            assertEquals(0, number(gguf, "tokenizer.ggml.unknown_token_id"));
            assertEquals(Boolean.TRUE, gguf.get("tokenizer.ggml.add_bos_token").orElseThrow().value());
            assertEquals(Boolean.FALSE, gguf.get("tokenizer.ggml.add_eos_token").orElseThrow().value());
            assertTrue(gguf.get("tokenizer.ggml.padding_token_id").isEmpty(), "pad_id is -1 in the trainer spec");
        }
    }

    @Test
    void shardedCheckpointConvertsToTheSameTensors() {
        Path out = tmp.resolve("sharded.gguf");
        HfConverter.convert(Models.stories260K().resolve("model-sharded"), out, OutputType.F32);
        try (GgufFile single = GgufFile.open(f32); GgufFile sharded = GgufFile.open(out)) {
            assertEquals(names(single), names(sharded), "same tensors in the same order");
            for (GgufTensorInfo t : single.tensorInfos()) {
                GgufTensorInfo s = sharded.tensorInfo(t.name()).orElseThrow();
                assertEquals(sha256(single.map(t, 0, (int) t.byteSize())), sha256(sharded.map(s, 0, (int) s.byteSize())), t.name());
            }
        }
    }

    @Test
    void bf16CheckpointWidensExactlyToF32() {
        Path out = tmp.resolve("from-bf16.gguf");
        HfConverter.convert(Models.stories260K().resolve("model-bf16"), out, OutputType.F32);
        try (GgufFile reference = GgufFile.open(f32); GgufFile widened = GgufFile.open(out)) {
            assertEquals(names(reference), names(widened));
            for (GgufTensorInfo t : reference.tensorInfos()) {
                GgufTensorInfo w = widened.tensorInfo(t.name()).orElseThrow();
                assertEquals(GgmlType.F32, w.type(), t.name());
                float[] expected = floats(reference.map(t, 0, (int) t.byteSize()));
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = Bf16.toFloat(Bf16.fromFloat(expected[i])); // the BF16 copy was rounded from F32
                }
                assertArrayEquals(expected, floats(widened.map(w, 0, (int) w.byteSize())), t.name());
            }
        }
    }

    @Test
    void f16AndBf16OutputRoundMatricesAndKeepVectorsF32() {
        for (OutputType type : List.of(OutputType.F16, OutputType.BF16)) {
            Path out = tmp.resolve("out-" + type + ".gguf");
            HfConverter.convert(Models.stories260K(), out, type);
            try (GgufFile reference = GgufFile.open(f32); GgufFile narrow = GgufFile.open(out)) {
                assertEquals(type.fileType(), number(narrow, "general.file_type"));
                for (GgufTensorInfo t : reference.tensorInfos()) {
                    GgufTensorInfo n = narrow.tensorInfo(t.name()).orElseThrow();
                    float[] ref = floats(reference.map(t, 0, (int) t.byteSize()));
                    if (t.shape().length == 1) {
                        assertEquals(GgmlType.F32, n.type(), t.name() + " stays F32");
                        assertArrayEquals(ref, floats(narrow.map(n, 0, (int) n.byteSize())), t.name());
                        continue;
                    }
                    assertEquals(type.ggmlType(), n.type(), t.name());
                    short[] expected = new short[ref.length];
                    for (int i = 0; i < ref.length; i++) {
                        expected[i] = type == OutputType.F16 ? Fp16.fromFloat(ref[i]) : Bf16.fromFloat(ref[i]);
                    }
                    short[] actual = new short[ref.length];
                    narrow.map(n, 0, (int) n.byteSize()).asShortBuffer().get(actual);
                    assertArrayEquals(expected, actual, t.name());
                }
            }
        }
    }

    @Test
    void bf16CheckpointToBf16KeepsEveryMatrixBit() {
        Path out = tmp.resolve("bf16-bf16.gguf");
        HfConverter.convert(Models.stories260K().resolve("model-bf16"), out, OutputType.BF16);
        Path viaF32 = tmp.resolve("f32-bf16.gguf");
        HfConverter.convert(Models.stories260K(), viaF32, OutputType.BF16);
        try (GgufFile a = GgufFile.open(out); GgufFile b = GgufFile.open(viaF32)) {
            for (GgufTensorInfo t : a.tensorInfos()) {
                if (t.shape().length == 1) {
                    continue; // vectors stay F32: the BF16 source widened, the F32 source as is
                }
                GgufTensorInfo u = b.tensorInfo(t.name()).orElseThrow();
                assertEquals(GgmlType.BF16, t.type(), t.name());
                assertEquals(sha256(b.map(u, 0, (int) u.byteSize())), sha256(a.map(t, 0, (int) t.byteSize())), t.name());
            }
        }
    }

    @Test
    void convertedSourceReadsAnyPieceLikeTheWholeTensor() {
        Path written = tmp.resolve("pieces.gguf");
        HfConverter.convert(Models.stories260K(), written, OutputType.F16);
        try (HfModelSource source = HfModelSource.open(Models.stories260K(), OutputType.F16);
             GgufFile whole = GgufFile.open(written)) {
            var q = source.tensors().stream().filter(t -> t.name().equals("blk.3.attn_q.weight")).findFirst().orElseThrow();
            ByteBuffer all = whole.map(whole.tensorInfo("blk.3.attn_q.weight").orElseThrow(), 0, (int) q.byteSize());
            for (int offset = 0; offset < q.byteSize(); offset += 46) {
                int length = (int) Math.min(46, q.byteSize() - offset);
                assertEquals(all.slice(offset, length), q.bytes(offset, length), "piece at " + offset);
            }
            assertFalse(source.tensors().stream().anyMatch(t -> t.name().equals("output.weight")));
        }
    }

    private static List<String> names(GgufFile gguf) {
        List<String> names = new ArrayList<>();
        gguf.tensorInfos().forEach(t -> names.add(t.name()));
        return names;
    }

    private static String string(GgufFile gguf, String key) {
        return gguf.getString(key).orElseThrow(() -> new AssertionError(key + " missing"));
    }

    private static long number(GgufFile gguf, String key) {
        GgufValue v = gguf.get(key).orElseThrow(() -> new AssertionError(key + " missing"));
        return v.asLong();
    }

    private static float[] floats(ByteBuffer bytes) {
        float[] out = new float[bytes.remaining() / 4];
        bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    static String sha256(ByteBuffer bytes) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(bytes.duplicate());
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
