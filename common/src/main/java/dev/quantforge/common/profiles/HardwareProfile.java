package dev.quantforge.common.profiles;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.common.jobs.OnnxModelRecipes;
import dev.quantforge.common.jobs.OnnxRecipes;
import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.common.quality.QualityGates;

import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A named recipe for a kind of hardware: what to build (format and file type), for which machine,
 * the runtime it is meant for, and the quality bar its variants must meet.
 *
 * @param settings the format's own settings (an ONNX profile's {@code blockSize}, {@code accuracyLevel}, ...), empty
 *                 for GGUF and MLX; an ONNX profile's are checked and spelled as {@link OnnxRecipes} spells a job's
 */
public record HardwareProfile(String name, String description, Target target, String format, String ftype,
                              String runtime, QualityGates gates, SortedMap<String, String> settings) {

    /** The machine a profile is meant for. */
    public record Target(String os, String arch, String accelerator) {
    }

    public HardwareProfile {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(ftype, "ftype");
        gates = gates == null ? QualityGates.NONE : gates;
        if (!name.matches("[a-z0-9][a-z0-9-]*")) {
            throw new IllegalArgumentException("profile name '" + name + "' must be lower-case letters, digits and dashes");
        }
        settings = java.util.Collections.unmodifiableSortedMap(settings == null ? new TreeMap<>() : new TreeMap<>(settings));
        if (OnnxRecipes.FORMAT.equals(format) || OnnxModelRecipes.FORMAT.equals(format)) {
            try {
                Recipe canonical = OnnxRecipes.FORMAT.equals(format) ? OnnxRecipes.canonical(ftype, settings)
                        : OnnxModelRecipes.canonical(ftype, settings);
                ftype = canonical.ftype();
                settings = canonical.settings();
            } catch (InvalidInputException e) {
                throw new IllegalArgumentException("profile " + name + ": " + e.getMessage(), e);
            }
        }
    }

    public HardwareProfile(String name, String description, Target target, String format, String ftype, String runtime,
                           QualityGates gates) {
        this(name, description, target, format, ftype, runtime, gates, null);
    }

    public Recipe recipe() {
        return new Recipe(format, ftype, false, null, null, false, null, settings.isEmpty() ? null : settings);
    }
}
