package dev.quantforge.engine.variant;

import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.quantize.QuantizeResult;

import java.nio.file.Path;

/**
 * One output format (GGUF today): what each tensor of a source becomes, how the variant is written, and
 * the runtime that runs it for the benchmark. {@link Variants} is the only caller; a new format is one
 * more implementation, one more {@link Target} record and its recipe mapping in {@link QuantizeParams}.
 */
public interface TargetFormat {

    /** The name a recipe gives, e.g. {@code gguf}. */
    String name();

    /** The file name ending of a variant, e.g. {@code .gguf}. */
    String fileExtension();

    /** What the variant would be, without writing anything. */
    VariantPlan plan(ModelSource source, QuantizeParams params);

    /**
     * Writes the planned variant to {@code output}, streaming tensor by tensor into a temporary sibling that
     * is renamed only when complete. Fails before any work when the plan needs something this format cannot
     * write.
     */
    QuantizeResult write(ModelSource source, VariantPlan plan, Path output, QuantizeParams params);

    /** Runs this format's variants for the benchmark. */
    VariantRuntime runtime();
}
