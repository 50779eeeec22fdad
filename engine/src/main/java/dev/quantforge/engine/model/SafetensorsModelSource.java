package dev.quantforge.engine.model;

import dev.quantforge.engine.gguf.GgufValue;
import dev.quantforge.engine.safetensors.SafetensorsFile;
import dev.quantforge.engine.tensor.TensorSource;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One safetensors file as it is stored: its own tensor names, its {@code __metadata__} as strings. */
final class SafetensorsModelSource implements ModelSource {
    private final SafetensorsFile file;

    SafetensorsModelSource(SafetensorsFile file) {
        this.file = file;
    }

    @Override
    public String description() {
        return file.path().toString();
    }

    @Override
    public Map<String, GgufValue> metadata() {
        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        file.metadata().forEach((k, v) -> metadata.put(k, GgufValue.ofString(v)));
        return metadata;
    }

    @Override
    public List<TensorSource> tensors() {
        return file.tensorInfos().keySet().stream().map(file::source).toList();
    }

    @Override
    public void close() {
        file.close();
    }
}
