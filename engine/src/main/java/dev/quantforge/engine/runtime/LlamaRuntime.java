package dev.quantforge.engine.runtime;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

import java.lang.System.Logger.Level;
import java.nio.file.Path;

/**
 * The llama.cpp runtime bundled in de.kherud:llama, loaded once per JVM: the native library is
 * extracted to the cache ({@link NativeBundle}), bound through JNA, its logging captured, and its
 * struct layouts checked against what {@link LlamaLibrary} declares. A mismatch (another llama.cpp
 * build) stops here with a clear error instead of corrupting memory later.
 */
public final class LlamaRuntime {
    /** The llama.cpp build whose llama.h {@link LlamaLibrary} mirrors. */
    public static final int SUPPORTED_BUILD = 4916;
    private static final System.Logger LOG = System.getLogger(LlamaRuntime.class.getName());
    private static final Object LOCK = new Object();
    private static volatile LlamaRuntime instance;

    private final LlamaLibrary library;
    private final LlamaLog log;
    private final Path libraryPath;
    private final String artifactVersion;
    private final int buildNumber;
    private final String commit;
    private final String systemInfo;

    private LlamaRuntime(NativeBundle.Extracted bundle) {
        NativeLibrary nativeLibrary = NativeLibrary.getInstance(bundle.library().toString());
        this.buildNumber = nativeLibrary.getGlobalVariableAddress("LLAMA_BUILD_NUMBER").getInt(0);
        this.commit = nativeLibrary.getGlobalVariableAddress("LLAMA_COMMIT").getPointer(0).getString(0);
        if (buildNumber != SUPPORTED_BUILD) {
            throw new IllegalStateException(bundle.library() + " is llama.cpp build " + buildNumber + " (" + commit
                    + "), but quantforge binds the C API of build " + SUPPORTED_BUILD
                    + "; use de.kherud:llama 4.2.0 or update LlamaLibrary to the new llama.h");
        }
        this.library = Native.load(bundle.library().toString(), LlamaLibrary.class);
        this.log = new LlamaLog();
        library.llama_log_set(log, null);
        checkLayouts(library);
        library.llama_backend_init();
        this.libraryPath = bundle.library();
        this.artifactVersion = bundle.artifactVersion();
        this.systemInfo = library.llama_print_system_info().strip();
    }

    /** Loads the runtime on first use; later calls return the same instance. */
    public static LlamaRuntime get() {
        LlamaRuntime runtime = instance;
        if (runtime == null) {
            synchronized (LOCK) {
                runtime = instance;
                if (runtime == null) {
                    runtime = new LlamaRuntime(NativeBundle.extract());
                    LOG.log(Level.INFO, "loaded {0}", runtime);
                    instance = runtime;
                }
            }
        }
        return runtime;
    }

    /**
     * The defaults llama.cpp returns for its parameter structs, read through our declarations: if a
     * field moved, these known values land in the wrong place.
     */
    private static void checkLayouts(LlamaLibrary library) {
        LlamaLibrary.ModelParams model = library.llama_model_default_params();
        LlamaLibrary.ContextParams context = library.llama_context_default_params();
        boolean modelOk = model.split_mode == 1 && model.use_mmap == 1 && model.use_mlock == 0
                && model.vocab_only == 0 && model.kv_overrides == null;
        boolean contextOk = context.n_ctx == 512 && context.n_batch == 2048 && context.n_ubatch == 512
                && context.n_seq_max == 1 && context.type_k == 1 && context.type_v == 1 && context.yarn_ext_factor == -1f && context.yarn_attn_factor == 1f
                && context.yarn_beta_fast == 32f && context.yarn_beta_slow == 1f && context.defrag_thold == -1f
                && context.offload_kqv == 1 && context.no_perf == 1 && context.abort_callback == null;
        if (!modelOk || !contextOk) {
            throw new IllegalStateException("llama.cpp's default " + (modelOk ? "llama_context_params" : "llama_model_params")
                    + " do not match the layout declared in LlamaLibrary: " + (modelOk ? context : model));
        }
    }

    LlamaLibrary library() {
        return library;
    }

    /** Forgets earlier errors of this thread, so that {@link #error()} speaks of the next call. */
    void clearError() {
        log.clearError();
    }

    /** Why a call on this thread since {@link #clearError()} failed, as llama.cpp logged it. */
    String error() {
        return log.error();
    }

    public Path libraryPath() {
        return libraryPath;
    }

    /** Version of the de.kherud:llama artifact the library came from. */
    public String artifactVersion() {
        return artifactVersion;
    }

    public int buildNumber() {
        return buildNumber;
    }

    public String commit() {
        return commit;
    }

    /** CPU features the library was built for and detected, e.g. "AVX2 = 1 | FMA = 1". */
    public String systemInfo() {
        return systemInfo;
    }

    @Override
    public String toString() {
        return "llama.cpp b" + buildNumber + " (" + commit + ") from de.kherud:llama " + artifactVersion + " at "
                + libraryPath + " [" + systemInfo + "]";
    }
}
