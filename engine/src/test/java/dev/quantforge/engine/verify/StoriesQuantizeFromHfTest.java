package dev.quantforge.engine.verify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.gguf.GgufFile;
import dev.quantforge.engine.gguf.GgufTensorInfo;
import dev.quantforge.engine.hf.HfModelSource;
import dev.quantforge.engine.hf.OutputType;
import dev.quantforge.engine.plan.LlamaFileType;
import dev.quantforge.engine.plan.PlannedTensor;
import dev.quantforge.engine.plan.QuantizationPlan;
import dev.quantforge.engine.plan.QuantizationPlanner;
import dev.quantforge.engine.plan.QuantizeOptions;
import dev.quantforge.engine.plan.TensorDescriptor;
import dev.quantforge.engine.quant.Quantizers;
import dev.quantforge.engine.quantize.OutputMetadata;
import dev.quantforge.engine.runtime.EvalText;
import dev.quantforge.engine.runtime.LlamaModel;
import dev.quantforge.engine.runtime.Perplexity;
import dev.quantforge.engine.testing.Golden;
import dev.quantforge.engine.variant.QuantizeParams;
import dev.quantforge.engine.variant.Variants;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code quantforge quantize models/stories260K-hf OUT FTYPE}: converting and quantizing in one pass
 * from the Hugging Face directory gives, for every file type llama.cpp accepts, the tensors llama.cpp's
 * own quantizer wrote from the converted F32 file (MANIFEST.json of golden/llama-quant/stories260K,
 * variant {@code tied}). Where llama.cpp refuses (a legacy type does not fit ffn_down's 172-wide rows)
 * quantforge keeps ffn_down at F16, finishes, and llama.cpp runs the result.
 */
class StoriesQuantizeFromHfTest {
    private static final JsonNode FILES = Golden.json(Golden.llamaQuant("stories260K/MANIFEST.json"))
            .path("variants").path("tied").path("files");

    @TempDir
    static Path tmp;

    static JsonNode expected;
    /** sha256 of every (tensor, type) llama.cpp wrote in some accepted run. */
    static Map<String, String> llamaCppBytes;

    @BeforeAll
    static void collectLlamaCppTensors() {
        expected = Golden.json(Golden.models("stories260K-expected.json")).path("models").path("stories260K");
        llamaCppBytes = new HashMap<>();
        FILES.forEach(run -> run.path("tensors").forEach(t -> {
            String previous = llamaCppBytes.put(key(t.path("name").asText(), t.path("type").asText()), t.path("sha256").asText());
            assertTrue(previous == null || previous.equals(t.path("sha256").asText()), "llama.cpp is consistent for " + t);
        }));
    }

    static Stream<String> acceptedFileTypes() {
        return fileTypes(false);
    }

    static Stream<String> refusedFileTypes() {
        return fileTypes(true);
    }

    private static Stream<String> fileTypes(boolean refused) {
        List<String> names = new ArrayList<>();
        FILES.fieldNames().forEachRemaining(name -> {
            if (FILES.path(name).path("refused").asBoolean() == refused) {
                names.add(name);
            }
        });
        return names.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("acceptedFileTypes")
    void everyTensorIsWhatLlamaCppWrote(String fileType) {
        Path out = quantize(fileType);
        JsonNode reference = FILES.path(fileType);
        try (GgufFile gguf = GgufFile.open(out)) {
            assertEquals(reference.path("file_type").asLong(), gguf.get(OutputMetadata.FILE_TYPE).orElseThrow().asLong());
            List<GgufTensorInfo> tensors = gguf.tensorInfos();
            JsonNode expectedTensors = reference.path("tensors");
            assertEquals(expectedTensors.size(), tensors.size(), "tensor count");
            for (int i = 0; i < tensors.size(); i++) {
                JsonNode want = expectedTensors.get(i);
                GgufTensorInfo have = tensors.get(i);
                String name = want.path("name").asText();
                assertEquals(name, have.name(), "tensor " + i + " (llama.cpp's output order)");
                assertArrayEquals(longs(want.path("shape")), have.shape(), name + " shape");
                assertEquals(want.path("type").asText(), have.type().ggmlName(), name + " type");
                assertEquals(want.path("sha256").asText(), sha256(gguf, have), name + " data");
            }
        }
        runOnLlamaCpp(fileType, out);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedFileTypes")
    void refusedByLlamaCppFinishesWithFfnDownInF16(String fileType) {
        LlamaFileType type = LlamaFileType.parse(fileType);
        Path out = quantize(fileType);
        QuantizationPlan plan = plan(type);
        int checkedAgainstLlamaCpp = 0;
        try (GgufFile gguf = GgufFile.open(out)) {
            assertEquals(type.id(), gguf.get(OutputMetadata.FILE_TYPE).orElseThrow().asLong());
            List<GgufTensorInfo> tensors = gguf.tensorInfos();
            assertEquals(plan.tensors().size(), tensors.size());
            for (int i = 0; i < tensors.size(); i++) {
                PlannedTensor planned = plan.tensors().get(i);
                GgufTensorInfo have = tensors.get(i);
                assertEquals(planned.name(), have.name(), "tensor " + i);
                assertArrayEquals(planned.shape(), have.shape(), have.name());
                assertEquals(planned.targetType(), have.type(), have.name());
                if (have.name().endsWith("ffn_down.weight")) {
                    assertEquals(GgmlType.F16, have.type(), have.name() + " rows of 172 fit no legacy block");
                    assertNotNull(planned.reason(), have.name() + ": the plan says why it is F16");
                }
                // the same tensor in the same type was written by llama.cpp in some run it accepted
                String reference = llamaCppBytes.get(key(have.name(), have.type().ggmlName()));
                if (reference != null) {
                    assertEquals(reference, sha256(gguf, have), have.name() + " as " + have.type().ggmlName());
                    checkedAgainstLlamaCpp++;
                }
            }
            System.out.printf("[refused %s] %d of %d tensors byte-identical to llama.cpp's in another run (the rest: %s)%n",
                    fileType, checkedAgainstLlamaCpp, tensors.size(), tensors.stream()
                            .filter(t -> !llamaCppBytes.containsKey(key(t.name(), t.type().ggmlName())))
                            .map(t -> t.type().ggmlName()).distinct().toList());
        }
        assertTrue(checkedAgainstLlamaCpp >= 5, "at least the five F16 ffn_down tensors");
        runOnLlamaCpp(fileType, out);
    }

    /** What QuantizeCommand does with a directory: open it as F32, plan, build the jobs, write. */
    private static Path quantize(String fileType) {
        QuantizationPlan plan = plan(LlamaFileType.parse(fileType));
        List<GgmlType> missing = plan.tensors().stream().filter(t -> !t.isCopied()).map(PlannedTensor::targetType)
                .distinct().filter(t -> Quantizers.forType(t).isEmpty()).toList();
        assertEquals(List.of(), missing, fileType + " needs kernels this build lacks");
        Path out = tmp.resolve("stories260K-" + fileType + ".gguf");
        try (HfModelSource source = HfModelSource.open(StoriesCheckpoints.f32(), OutputType.F32)) {
            Variants.build(source, out, QuantizeParams.of(Recipe.gguf(fileType), 1));
        }
        return out;
    }

    private static QuantizationPlan plan(LlamaFileType type) {
        try (HfModelSource source = HfModelSource.open(StoriesCheckpoints.f32(), OutputType.F32)) {
            List<TensorDescriptor> tensors = source.tensors().stream().map(TensorDescriptor::of).toList();
            return new QuantizationPlanner().plan(tensors, source.metadata(), type, QuantizeOptions.defaults());
        }
    }

    /** Loads, generates and scores the file; prints what a user would compare variants by. */
    private static void runOnLlamaCpp(String fileType, Path file) {
        int[] reference = StoriesOnLlamaCppTest.ints(expected.path("greedy").path("ids"));
        try (LlamaModel model = LlamaModel.load(file, LlamaModel.Options.threads(1))) {
            int[] generated = model.greedy(StoriesOnLlamaCppTest.ints(expected.path("greedy").path("prompt_ids")), reference.length);
            int same = 0;
            while (same < reference.length && generated[same] == reference[same]) {
                same++;
            }
            for (int id : generated) {
                assertTrue(id >= 0 && id < model.vocabularySize(), "token id " + id);
            }
            Perplexity ppl = model.perplexity(EvalText.read(Golden.models("eval.txt")));
            double f32 = expected.path("eval_ppl").path("f32").path("overall").path("ppl").asDouble();
            System.out.printf("[llama.cpp %s] %s; greedy follows the F32 reference for %d of %d tokens; ppl %.6f (%+.2f%% vs F32)%n",
                    fileType, model.description(), same, reference.length, ppl.ppl(), 100 * (ppl.ppl() / f32 - 1));
            assertTrue(Double.isFinite(ppl.ppl()) && ppl.ppl() < 2 * f32, fileType + " perplexity " + ppl.ppl());
        }
    }

    private static String key(String name, String type) {
        return name + " " + type;
    }

    private static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asLong();
        }
        return out;
    }

    private static String sha256(GgufFile gguf, GgufTensorInfo tensor) {
        ByteBuffer data = gguf.map(tensor, 0, (int) tensor.byteSize());
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(data);
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
