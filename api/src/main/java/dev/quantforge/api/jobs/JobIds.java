package dev.quantforge.api.jobs;

import dev.quantforge.api.problems.ProblemException;
import dev.quantforge.api.problems.ProblemType;
import java.util.UUID;

/** Job ids in request paths. */
public final class JobIds {

    private JobIds() {
    }

    /** A malformed id cannot name a job: 404 like any other unknown job, not 400. */
    public static UUID parse(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new ProblemException(ProblemType.NOT_FOUND, "no job " + id);
        }
    }
}
