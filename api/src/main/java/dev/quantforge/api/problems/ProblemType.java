package dev.quantforge.api.problems;

/** The kinds of problem the API reports, each with its status and a stable type URI. */
public enum ProblemType {
    INVALID_REQUEST(400, "The request is invalid"),
    UNAUTHORIZED(401, "Authentication required"),
    FORBIDDEN(403, "Forbidden"),
    NOT_FOUND(404, "Not found"),
    IDEMPOTENCY_KEY_REUSED(409, "Idempotency key reused with a different request"),
    JOB_FINISHED(409, "The job has already finished"),
    WEBHOOK_DISABLED(409, "The webhook is disabled"),
    /** 422 Unprocessable Content: well-formed, but names a model that is not there. */
    SOURCE_NOT_FOUND(422, "The source model was not found"),
    /** 422 as well: the job's own evaluation text is not in object storage. */
    EVAL_TEXT_NOT_FOUND(422, "The evaluation text was not found"),
    EVAL_TEXT_TOO_LARGE(422, "The evaluation text is too large"),
    /** 413 Content Too Large: over qf.requests.max-body-bytes. */
    BODY_TOO_LARGE(413, "The request body is too large"),
    RATE_LIMITED(429, "Too many requests"),
    STORAGE_UNAVAILABLE(503, "Object storage is unavailable"),
    /** PostgreSQL does not answer (down, restarting, unreachable); the answer carries Retry-After. */
    DATABASE_UNAVAILABLE(503, "The database is unavailable"),
    INTERNAL(500, "Internal error");

    private final int status;
    private final String title;

    ProblemType(int status, String title) {
        this.status = status;
        this.title = title;
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public String uri() {
        return "urn:quantforge:problem:" + name().toLowerCase().replace('_', '-');
    }
}
