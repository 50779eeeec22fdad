package dev.quantforge.api.auth;

import java.util.Arrays;
import java.util.Optional;

/** What a key may do; each scope is a role of the caller's security identity, checked with @RolesAllowed. */
public enum Scope {
    JOBS_SUBMIT(Scope.SUBMIT),
    JOBS_READ(Scope.READ),
    ADMIN(Scope.ADMIN_NAME);

    /** The role names, as constants for annotations. */
    public static final String SUBMIT = "jobs:submit";
    public static final String READ = "jobs:read";
    public static final String ADMIN_NAME = "admin";

    private final String label;

    Scope(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static Optional<Scope> parse(String label) {
        return Arrays.stream(values()).filter(s -> s.label.equals(label)).findFirst();
    }
}
