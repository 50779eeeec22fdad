package dev.quantforge.cli.client;

/** Ends a client command with one line for the user and an exit code (README.md, "Exit codes"). */
public final class ClientException extends RuntimeException {

    /** The API answered with a problem (RFC 9457), or the request was invalid. */
    public static final int REFUSED = 1;
    /** The API could not be reached. */
    public static final int UNREACHABLE = 4;
    /** The job a command waited for ended other than SUCCEEDED. */
    public static final int JOB_NOT_SUCCEEDED = 5;

    private final int exitCode;

    public ClientException(String message, int exitCode) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
