package dev.quantforge.engine.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.json.JsonFiles;
import dev.quantforge.engine.tensor.NamedTensors;
import dev.quantforge.engine.tensor.TensorSource;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The tensors of a checkpoint stored as one safetensors file or as shards listed by
 * {@code model.safetensors.index.json}. Every shard is opened and validated up front, and the index
 * must agree with the shards exactly, so a missing or extra shard is found before any data is read.
 */
public final class SafetensorsCheckpoint implements NamedTensors {
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Path location;
    private final List<SafetensorsFile> files;
    /** Tensor name → the file holding it, sorted by name. */
    private final Map<String, SafetensorsFile> owners;

    private SafetensorsCheckpoint(Path location, List<SafetensorsFile> files, Map<String, SafetensorsFile> owners) {
        this.location = location;
        this.files = List.copyOf(files);
        this.owners = Collections.unmodifiableMap(owners);
    }

    /**
     * Opens a checkpoint directory (sharded if it holds {@value #INDEX_FILE}, else {@value #SINGLE_FILE})
     * or a single {@code .safetensors} file.
     */
    public static SafetensorsCheckpoint open(Path location) {
        if (Files.isRegularFile(location)) {
            return single(location, SafetensorsFile.open(location));
        }
        if (!Files.isDirectory(location)) {
            throw new InvalidInputException(location + ": no such file or directory");
        }
        Path index = location.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) {
            return sharded(location, index);
        }
        Path single = location.resolve(SINGLE_FILE);
        if (Files.isRegularFile(single)) {
            return single(location, SafetensorsFile.open(single));
        }
        throw new InvalidInputException(location + ": holds neither " + SINGLE_FILE + " nor " + INDEX_FILE);
    }

    private static SafetensorsCheckpoint single(Path location, SafetensorsFile file) {
        Map<String, SafetensorsFile> owners = new TreeMap<>();
        file.tensorInfos().keySet().forEach(name -> owners.put(name, file));
        return new SafetensorsCheckpoint(location, List.of(file), owners);
    }

    private static SafetensorsCheckpoint sharded(Path dir, Path index) {
        Map<String, String> weightMap = weightMap(index);
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            Map<String, SafetensorsFile> shards = new TreeMap<>();
            for (String shard : new TreeSet<>(weightMap.values())) {
                Path file = dir.resolve(shard);
                if (!Files.isRegularFile(file)) {
                    throw new SafetensorsFormatException(index, "shard " + shard + " is missing");
                }
                SafetensorsFile opening = SafetensorsFile.open(file);
                opened.add(opening);
                shards.put(shard, opening);
            }
            Map<String, SafetensorsFile> owners = new TreeMap<>();
            weightMap.forEach((tensor, shard) -> {
                SafetensorsFile file = shards.get(shard);
                if (file.tensorInfo(tensor).isEmpty()) {
                    throw new SafetensorsFormatException(index, "tensor " + tensor + " is listed in shard " + shard
                            + " but that file does not hold it");
                }
                owners.put(tensor, file);
            });
            for (Map.Entry<String, SafetensorsFile> shard : shards.entrySet()) {
                for (String tensor : shard.getValue().tensorInfos().keySet()) {
                    if (!shard.getKey().equals(weightMap.get(tensor))) {
                        throw new SafetensorsFormatException(index, "shard " + shard.getKey() + " holds tensor " + tensor
                                + ", which the weight_map " + (weightMap.containsKey(tensor)
                                ? "places in " + weightMap.get(tensor) : "does not list"));
                    }
                }
            }
            return new SafetensorsCheckpoint(dir, opened, owners);
        } catch (RuntimeException e) {
            opened.forEach(SafetensorsFile::close);
            throw e;
        }
    }

    private static Map<String, String> weightMap(Path index) {
        JsonNode weightMap = JsonFiles.readObject(index).get("weight_map");
        if (weightMap == null || !weightMap.isObject() || weightMap.isEmpty()) {
            throw new SafetensorsFormatException(index, "needs a non-empty weight_map object");
        }
        Map<String, String> map = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = weightMap.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String shard = e.getValue().isTextual() ? e.getValue().textValue() : null;
            if (shard == null || !isPlainFileName(shard)) {
                throw new SafetensorsFormatException(index, "weight_map entry " + e.getKey() + " must name a file in the same"
                        + " directory, got " + e.getValue());
            }
            map.put(e.getKey(), shard);
        }
        return map;
    }

    /** A shard name must not lead out of the checkpoint directory. */
    private static boolean isPlainFileName(String name) {
        return !name.isEmpty() && !name.equals(".") && !name.equals("..")
                && name.indexOf('/') < 0 && name.indexOf('\\') < 0 && name.indexOf('\0') < 0;
    }

    /** The directory or file the checkpoint was opened from. */
    public Path location() {
        return location;
    }

    /** Tensor names, sorted; the same for a single file and its sharded copy. */
    @Override
    public List<String> names() {
        return List.copyOf(owners.keySet());
    }

    public boolean contains(String name) {
        return owners.containsKey(name);
    }

    public Optional<SafetensorsTensorInfo> info(String name) {
        SafetensorsFile file = owners.get(name);
        return file == null ? Optional.empty() : file.tensorInfo(name);
    }

    @Override
    public long[] storedShape(String name) {
        return info(name).orElseThrow(() -> new InvalidInputException(location + ": no tensor named " + name)).shape();
    }

    /**
     * {@code length} raw bytes of the named tensor from {@code offset}, whatever its dtype (e.g. MLX's packed
     * uint32 weights, which {@link #source} refuses), little-endian.
     */
    public ByteBuffer rawBytes(String name, long offset, int length) {
        SafetensorsFile file = owners.get(name);
        if (file == null) {
            throw new InvalidInputException(location + ": no tensor named " + name);
        }
        return file.map(file.tensorInfo(name).orElseThrow(), offset, length);
    }

    /** The named tensor, shape in GGUF order; see {@link SafetensorsFile#source(String)}. */
    @Override
    public TensorSource source(String name) {
        SafetensorsFile file = owners.get(name);
        if (file == null) {
            throw new InvalidInputException(location + ": no tensor named " + name);
        }
        return file.source(name);
    }

    /** The file holding the named tensor, for messages. */
    @Override
    public Path fileOf(String name) {
        SafetensorsFile file = owners.get(name);
        return file == null ? location : file.path();
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
