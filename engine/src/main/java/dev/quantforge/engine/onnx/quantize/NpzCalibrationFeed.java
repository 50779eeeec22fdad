package dev.quantforge.engine.onnx.quantize;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.quantforge.common.InvalidInputException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Calibration examples from a NumPy {@code .npz} file ({@code numpy.savez} or {@code savez_compressed}): one array
 * per model input, named after it, whose first dimension counts the examples; example {@code i} is row {@code i}
 * with that dimension kept as 1 (batch 1). For a model with input {@code pixel_values}:
 * {@code numpy.savez("calibration.npz", pixel_values=images)} with {@code images} of shape [N, 3, 224, 224].
 * Element types: float32, float64, int64, int32, int8, uint8, bool (little-endian, C order). The arrays are read
 * into memory: a calibration set is a few hundred examples at most, not a model.
 */
final class NpzCalibrationFeed implements Calibrator.CalibrationFeed {
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /** One array: element type and size, shape, and its bytes. */
    private record Array(OnnxJavaType type, int elementBytes, long[] shape, byte[] data) {
        int rowBytes() {
            long row = elementBytes;
            for (int d = 1; d < shape.length; d++) {
                row *= shape[d];
            }
            return Math.toIntExact(row);
        }
    }

    private final Map<String, Array> arrays;
    private final int examples;

    private NpzCalibrationFeed(Map<String, Array> arrays, int examples) {
        this.arrays = arrays;
        this.examples = examples;
    }

    static boolean isNpz(Path file) {
        return file.getFileName() != null && file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npz");
    }

    /** Reads {@code file} for a model whose inputs (not initializers) are {@code inputs}; every one needs an array. */
    static NpzCalibrationFeed read(Path file, Collection<String> inputs) {
        Map<String, Array> arrays = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            for (ZipEntry entry : java.util.Collections.list(zip.entries())) {
                String name = entry.getName().endsWith(".npy")
                        ? entry.getName().substring(0, entry.getName().length() - 4) : entry.getName();
                try (InputStream in = zip.getInputStream(entry)) {
                    arrays.put(name, npy(file, name, in.readAllBytes()));
                }
            }
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new InvalidInputException(file + ": no such calibration file");
        } catch (ZipException e) {
            throw new InvalidInputException(file + ": not a NumPy .npz file (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (String name : arrays.keySet()) {
            if (!inputs.contains(name)) {
                throw new InvalidInputException(file + ": array " + name + " is not an input of the model (its inputs: "
                        + String.join(", ", inputs) + ")");
            }
        }
        int examples = -1;
        for (String input : inputs) {
            Array a = arrays.get(input);
            if (a == null) {
                throw new InvalidInputException(file + ": no array for the model's input " + input
                        + " (one array per input, named after it, examples along the first dimension)");
            }
            if (a.shape().length == 0 || a.shape()[0] == 0) {
                throw new InvalidInputException(file + ": array " + input + " has shape " + Arrays.toString(a.shape())
                        + "; its first dimension counts the examples and must be at least 1");
            }
            if (examples >= 0 && a.shape()[0] != examples) {
                throw new InvalidInputException(file + ": arrays hold different numbers of examples (" + examples
                        + " and " + a.shape()[0] + " in " + input + ")");
            }
            examples = Math.toIntExact(a.shape()[0]);
        }
        return new NpzCalibrationFeed(arrays, examples);
    }

    /** One {@code .npy} member: the version 1–3 header, then the data. */
    private static Array npy(Path file, String name, byte[] bytes) {
        String where = file + ": array " + name;
        if (bytes.length < 10 || bytes[0] != (byte) 0x93 || !new String(bytes, 1, 5, StandardCharsets.ISO_8859_1).equals("NUMPY")) {
            throw new InvalidInputException(where + " is not a .npy array");
        }
        int major = bytes[6];
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = major == 1 ? Short.toUnsignedInt(b.getShort(8)) : b.getInt(8);
        int headerStart = major == 1 ? 10 : 12;
        if (headerLength < 0 || headerStart + headerLength > bytes.length) {
            throw new InvalidInputException(where + " has a truncated header");
        }
        String header = new String(bytes, headerStart, headerLength, StandardCharsets.ISO_8859_1);
        Matcher descr = DESCR.matcher(header);
        Matcher fortran = FORTRAN.matcher(header);
        Matcher shape = SHAPE.matcher(header);
        if (!descr.find() || !fortran.find() || !shape.find()) {
            throw new InvalidInputException(where + " has a header NumPy did not write: " + header.strip());
        }
        if (fortran.group(1).equals("True")) {
            throw new InvalidInputException(where + " is in Fortran order; save it C-ordered (numpy.ascontiguousarray)");
        }
        OnnxJavaType type;
        int size;
        switch (descr.group(1)) {
            case "<f4" -> { type = OnnxJavaType.FLOAT; size = 4; }
            case "<f8" -> { type = OnnxJavaType.DOUBLE; size = 8; }
            case "<i8" -> { type = OnnxJavaType.INT64; size = 8; }
            case "<i4" -> { type = OnnxJavaType.INT32; size = 4; }
            case "|i1" -> { type = OnnxJavaType.INT8; size = 1; }
            case "|u1" -> { type = OnnxJavaType.UINT8; size = 1; }
            case "|b1" -> { type = OnnxJavaType.BOOL; size = 1; }
            default -> throw new InvalidInputException(where + " has element type " + descr.group(1)
                    + "; calibration arrays are float32, float64, int64, int32, int8, uint8 or bool, little-endian");
        }
        long[] dims = Arrays.stream(shape.group(1).split(",")).map(String::strip).filter(s -> !s.isEmpty())
                .mapToLong(Long::parseLong).toArray();
        long elements = Arrays.stream(dims).reduce(1, Math::multiplyExact);
        int dataStart = headerStart + headerLength;
        if (bytes.length - dataStart != elements * size) {
            throw new InvalidInputException(where + " has " + (bytes.length - dataStart) + " data bytes, its shape "
                    + Arrays.toString(dims) + " needs " + elements * size);
        }
        return new Array(type, size, dims, Arrays.copyOfRange(bytes, dataStart, bytes.length));
    }

    @Override
    public int size() {
        return examples;
    }

    @Override
    public Map<String, OnnxTensor> example(OrtEnvironment env, int index) throws OrtException {
        Map<String, OnnxTensor> feed = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, Array> e : arrays.entrySet()) {
                Array a = e.getValue();
                int row = a.rowBytes();
                ByteBuffer data = ByteBuffer.allocateDirect(row).order(ByteOrder.nativeOrder());
                data.put(a.data(), index * row, row).flip();
                long[] shape = a.shape().clone();
                shape[0] = 1;
                feed.put(e.getKey(), OnnxTensor.createTensor(env, data, shape, a.type()));
            }
        } catch (OrtException | RuntimeException ex) {
            feed.values().forEach(OnnxTensor::close);
            throw ex;
        }
        return feed;
    }
}
