package dev.quantforge.engine.runtime;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Structure;
import com.sun.jna.Structure.FieldOrder;
import dev.quantforge.engine.plan.LlamaFileType;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * llama.cpp's own quantizer, {@code llama_model_quantize}, called in this process: the reference the speed
 * benchmark races against. Any libllama build works (e.g. node-llama-cpp's): its parameter struct grew over the releases, so only its first two fields (thread count
 * and file type, unchanged since they were introduced) are written, into the library's own defaults.
 */
public final class LlamaQuantizer {

    /** The part of llama.h the quantizer needs. */
    interface QuantizeLibrary extends Library {
        void llama_backend_init();

        QuantizeParams.ByValue llama_model_quantize_default_params();

        /** 0 on success. */
        int llama_model_quantize(String input, String output, QuantizeParams params);
    }

    /**
     * {@code llama_model_quantize_params}: the two leading fields, then room for the rest, which this class
     * never reads or writes (the largest release so far needs well under the 248 bytes kept for it).
     */
    @FieldOrder({"nthread", "ftype", "rest"})
    public static class QuantizeParams extends Structure {
        public int nthread;
        public int ftype;
        public byte[] rest = new byte[248];

        public static final class ByValue extends QuantizeParams implements Structure.ByValue {
        }
    }

    private final QuantizeLibrary library;
    private final String description;

    private LlamaQuantizer(QuantizeLibrary library, String description) {
        this.library = library;
        this.description = description;
        library.llama_backend_init();
    }

    /**
     * The quantizer of a libllama build (its libggml libraries beside it). de.kherud:llama's bundled build cannot
     * serve: its linker dropped the quantizer, which its Java API does not use.
     */
    public static LlamaQuantizer load(Path libllama) {
        if (!Files.isRegularFile(libllama)) {
            throw new IllegalArgumentException(libllama + ": no such library");
        }
        String path = libllama.toAbsolutePath().toString();
        return new LlamaQuantizer(Native.load(path, QuantizeLibrary.class), "llama.cpp " + build(libllama) + " at " + path);
    }

    /** "bN (commit)" from the globals llama.cpp's build writes, in libllama or (newer builds) libllama-common. */
    private static String build(Path libllama) {
        for (Path candidate : new Path[]{libllama, libllama.resolveSibling(System.mapLibraryName("llama-common"))}) {
            try {
                NativeLibrary library = NativeLibrary.getInstance(candidate.toAbsolutePath().toString());
                int number = library.getGlobalVariableAddress("LLAMA_BUILD_NUMBER").getInt(0);
                String commit = library.getGlobalVariableAddress("LLAMA_COMMIT").getPointer(0).getString(0);
                return "b" + number + " (" + commit + ")";
            } catch (UnsatisfiedLinkError notThere) {
                // try the next candidate
            }
        }
        return "(build unknown)";
    }

    public String description() {
        return description;
    }

    /** Quantizes {@code input} to {@code output} as {@code llama-quantize input output type threads} would. */
    public void quantize(Path input, Path output, LlamaFileType type, int threads) {
        QuantizeParams params = library.llama_model_quantize_default_params();
        params.nthread = threads;
        params.ftype = type.id();
        int status = library.llama_model_quantize(input.toString(), output.toString(), params);
        if (status != 0) {
            throw new IllegalStateException("llama_model_quantize failed (" + status + ") for " + input + " -> " + type);
        }
    }
}
