package dev.quantforge.engine.oci;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.gguf.GgufFile;
import dev.quantforge.engine.gguf.GgufTensorInfo;
import dev.quantforge.engine.gguf.GgufValue;
import dev.quantforge.engine.gguf.GgufValueType;

import java.nio.file.Path;

/**
 * What a registry artifact says of a GGUF model, from its metadata: the architecture ({@code general.architecture},
 * required, with {@code <arch>.block_count}: runtimes cannot load a model without them), the parameter count (every
 * tensor's elements, as Ollama counts), {@code general.file_type} when it is a uint32 (null otherwise) and
 * {@code general.license} (null when absent).
 */
public record GgufFacts(String architecture, long parameterCount, Long fileTypeId, String license) {

    /** Refuses, naming the file and what is missing, a GGUF that is no model on its own. */
    public static GgufFacts read(Path gguf) {
        try (GgufFile file = GgufFile.open(gguf)) {
            String arch = file.get("general.architecture").filter(v -> v.type() == GgufValueType.STRING).map(GgufValue::asString)
                    .filter(s -> !s.isBlank())
                    .orElseThrow(() -> new InvalidInputException(gguf + ": no general.architecture in its metadata;"
                            + " Ollama and llama.cpp need it to load the model"));
            String kind = file.getString("general.type").orElse("model");
            if (kind.equals("adapter") || kind.equals("projector") || kind.equals("mmproj")) {
                throw new InvalidInputException(gguf + ": general.type is '" + kind + "', not a model that runs on its own");
            }
            if (file.get(arch + ".block_count").isEmpty()) {
                throw new InvalidInputException(gguf + ": no " + arch + ".block_count in its metadata;"
                        + " a " + arch + " model cannot be loaded without it");
            }
            if (file.tensorInfos().isEmpty()) {
                throw new InvalidInputException(gguf + ": holds no tensors");
            }
            long parameters = 0;
            for (GgufTensorInfo t : file.tensorInfos()) {
                parameters += t.elementCount();
            }
            Long fileType = file.get("general.file_type").filter(v -> v.type() == GgufValueType.UINT32)
                    .map(GgufValue::asLong).orElse(null);
            String license = file.get("general.license").filter(v -> v.type() == GgufValueType.STRING).map(GgufValue::asString)
                    .filter(s -> !s.isEmpty()).orElse(null);
            return new GgufFacts(arch, parameters, fileType, license);
        }
    }
}
