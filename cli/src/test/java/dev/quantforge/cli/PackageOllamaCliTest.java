package dev.quantforge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.gguf.GgufValue;
import dev.quantforge.engine.gguf.GgufWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PackageOllamaCliTest {
    @TempDir
    Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A llama GGUF with file type Q8_0's id and a license, 2 tensors of 256x4 F32. */
    static Path gguf(Path file, boolean withArchitecture) {
        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        if (withArchitecture) {
            metadata.put("general.architecture", GgufValue.ofString("llama"));
        }
        metadata.put("general.name", GgufValue.ofString("tiny"));
        metadata.put("general.license", GgufValue.ofString("mit"));
        metadata.put("general.file_type", GgufValue.ofUint32(7));
        metadata.put("llama.block_count", GgufValue.ofUint32(1));
        List<GgufWriter.TensorSpec> specs = List.of(new GgufWriter.TensorSpec("a.weight", new long[] {256, 4}, GgmlType.F32),
                new GgufWriter.TensorSpec("b.weight", new long[] {256, 4}, GgmlType.F32));
        try (GgufWriter writer = GgufWriter.create(file, metadata, specs)) {
            for (GgufWriter.TensorSpec s : specs) {
                writer.beginTensor(s.name());
                writer.write(ByteBuffer.allocate(256 * 4 * 4));
            }
            writer.commit();
        }
        return file;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void writesOllamasStoreLayoutWhoseDigestsAreTheFilesBytes() throws Exception {
        Path model = gguf(dir.resolve("tiny-Q8_0.gguf"), true);
        Path out = dir.resolve("ollama");
        CliRun run = CliRun.of("package", "ollama", model, "--name", "tiny:q8", "--out", out,
                "--system", "You are terse.", "--parameter", "num_ctx=2048", "--parameter", "stop=<|eot_id|>",
                "--parameter", "temperature=0.7", "--parameter", "stop=</s>");
        assertEquals(0, run.exitCode(), run.err());

        Path manifestFile = out.resolve("manifests/registry.ollama.ai/library/tiny/q8");
        byte[] manifestBytes = Files.readAllBytes(manifestFile);
        JsonNode manifest = JSON.readTree(manifestBytes);
        assertEquals(2, manifest.get("schemaVersion").asInt());
        assertEquals("application/vnd.docker.distribution.manifest.v2+json", manifest.get("mediaType").asText());
        assertEquals("application/vnd.docker.container.image.v1+json", manifest.at("/config/mediaType").asText());
        List<String> mediaTypes = Stream.iterate(0, i -> i + 1).limit(manifest.get("layers").size())
                .map(i -> manifest.get("layers").get(i).get("mediaType").asText()).toList();
        assertEquals(List.of("application/vnd.ollama.image.model", "application/vnd.ollama.image.system",
                "application/vnd.ollama.image.license", "application/vnd.ollama.image.params"), mediaTypes);

        // every blob is named by the sha256 of its bytes, and the manifest says so with its size
        List<JsonNode> descriptors = new java.util.ArrayList<>();
        descriptors.add(manifest.get("config"));
        manifest.get("layers").forEach(descriptors::add);
        for (JsonNode d : descriptors) {
            Path blob = out.resolve("blobs").resolve(d.get("digest").asText().replace(':', '-'));
            byte[] bytes = Files.readAllBytes(blob);
            assertEquals(d.get("digest").asText(), sha256(bytes));
            assertEquals(d.get("size").asLong(), bytes.length);
        }
        try (Stream<Path> blobs = Files.list(out.resolve("blobs"))) {
            assertEquals(5, blobs.count(), "config + 4 layers and nothing else");
        }
        // an Ollama server runs as a user of its own: the store's files have a new file's permissions, not a
        // temporary file's owner-only ones
        Path newFile = Files.createFile(out.resolve("permissions-of-a-new-file"));
        try (Stream<Path> blobs = Files.list(out.resolve("blobs"))) {
            for (Path blob : blobs.toList()) {
                assertEquals(Files.getPosixFilePermissions(newFile), Files.getPosixFilePermissions(blob), blob.toString());
            }
        }
        Path modelBlob = out.resolve("blobs").resolve(manifest.at("/layers/0/digest").asText().replace(':', '-'));
        assertArrayEquals(Files.readAllBytes(model), Files.readAllBytes(modelBlob));

        // the config blob, byte for byte as Go's encoder writes Ollama's ConfigV2
        byte[] config = Files.readAllBytes(out.resolve("blobs").resolve(manifest.at("/config/digest").asText().replace(':', '-')));
        assertEquals("{\"model_format\":\"gguf\",\"model_family\":\"llama\",\"model_families\":[\"llama\"],\"model_type\":\"2K\","
                + "\"file_type\":\"Q8_0\",\"architecture\":\"amd64\",\"os\":\"linux\"}\n", new String(config, StandardCharsets.UTF_8));
        assertEquals("You are terse.", blobText(out, manifest, 1));
        assertEquals("mit", blobText(out, manifest, 2));
        // Go's map encoding: keys sorted, float32 shortest, HTML characters escaped
        assertEquals("{\"num_ctx\":2048,\"stop\":[\"\\u003c|eot_id|\\u003e\",\"\\u003c/s\\u003e\"],\"temperature\":0.7}\n",
                blobText(out, manifest, 3));
        // the manifest as Go encodes it: no spaces, a newline at the end
        String text = new String(manifestBytes, StandardCharsets.UTF_8);
        assertTrue(text.startsWith("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"config\":{\"mediaType\""), text);
        assertTrue(text.endsWith("}]}\n"), text);
        assertTrue(run.out().contains(sha256(manifestBytes)), run.out());

        String modelfile = Files.readString(out.resolve("Modelfile"));
        assertTrue(modelfile.contains("\nFROM ./blobs/" + manifest.at("/layers/0/digest").asText().replace(':', '-') + "\n"), modelfile);
        assertTrue(modelfile.contains("\nSYSTEM \"\"\"You are terse.\"\"\"\n"), modelfile);
        assertTrue(modelfile.contains("\nPARAMETER num_ctx 2048\nPARAMETER stop <|eot_id|>\nPARAMETER temperature 0.7\nPARAMETER stop </s>\n"), modelfile);
        assertTrue(modelfile.contains("\nLICENSE \"\"\"mit\"\"\"\n"), modelfile);
        for (String line : modelfile.split("\n")) {
            assertTrue(line.isEmpty() || line.startsWith("#") || line.matches("(FROM|SYSTEM|PARAMETER|LICENSE|TEMPLATE) .+"), line);
        }
    }

    private static String blobText(Path out, JsonNode manifest, int layer) throws Exception {
        return Files.readString(out.resolve("blobs").resolve(manifest.at("/layers/" + layer + "/digest").asText().replace(':', '-')));
    }

    @Test
    void theSameInputGivesTheSameDigests() throws Exception {
        Path model = gguf(dir.resolve("tiny.gguf"), true);
        assertEquals(0, CliRun.of("package", "ollama", model, "--name", "tiny", "--out", dir.resolve("a")).exitCode());
        assertEquals(0, CliRun.of("package", "ollama", model, "--name", "tiny", "--out", dir.resolve("b")).exitCode());
        Path manifest = Path.of("manifests/registry.ollama.ai/library/tiny/latest");
        assertArrayEquals(Files.readAllBytes(dir.resolve("a").resolve(manifest)), Files.readAllBytes(dir.resolve("b").resolve(manifest)));
        assertEquals(Files.readString(dir.resolve("a/Modelfile")), Files.readString(dir.resolve("b/Modelfile")));
        // and again into the same directory: blobs kept, nothing else appears
        assertEquals(0, CliRun.of("package", "ollama", model, "--name", "tiny", "--out", dir.resolve("a")).exitCode());
        try (Stream<Path> blobs = Files.list(dir.resolve("a/blobs"))) {
            assertEquals(3, blobs.count(), "config, model, license");
        }
    }

    @Test
    void aGgufWithoutArchitectureIsOneLineAndExitOne() throws Exception {
        Path model = gguf(dir.resolve("noarch.gguf"), false);
        CliRun run = CliRun.of("package", "ollama", model, "--name", "x", "--out", dir.resolve("o"));
        assertEquals(1, run.exitCode());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().contains("noarch.gguf") && run.err().contains("general.architecture"), run.err());
        assertFalse(Files.exists(dir.resolve("o/manifests")));
    }

    @Test
    void badNamesAndParametersAreOneLine() {
        Path model = gguf(dir.resolve("t.gguf"), true);
        CliRun badName = CliRun.of("package", "ollama", model, "--name", "-bad", "--out", dir.resolve("o"));
        assertEquals(1, badName.exitCode());
        assertTrue(badName.err().contains("'-bad'"), badName.err());
        CliRun badParam = CliRun.of("package", "ollama", model, "--name", "t", "--out", dir.resolve("o"), "--parameter", "num_ctx=lots");
        assertEquals(1, badParam.exitCode());
        assertTrue(badParam.err().contains("num_ctx"), badParam.err());
        CliRun notGguf = CliRun.of("package", "ollama", dir.resolve("missing.gguf"), "--name", "t", "--out", dir.resolve("o"));
        assertEquals(1, notGguf.exitCode());
        assertEquals(1, notGguf.err().strip().lines().count(), notGguf.err());
    }
}
