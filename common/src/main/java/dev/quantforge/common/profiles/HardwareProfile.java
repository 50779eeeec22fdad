package dev.quantforge.common.profiles;

import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.common.quality.QualityGates;

import java.util.Objects;

/**
 * A named recipe for a kind of hardware: what to build (format and file type), for which machine,
 * the runtime it is meant for, and the quality bar its variants must meet.
 */
public record HardwareProfile(String name, String description, Target target, String format, String ftype,
                              String runtime, QualityGates gates) {

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
    }

    public Recipe recipe() {
        return new Recipe(format, ftype, false, null, null, false, null);
    }
}
