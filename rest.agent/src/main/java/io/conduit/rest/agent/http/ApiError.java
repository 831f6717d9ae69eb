package io.conduit.rest.agent.http;

import io.conduit.api.connection.FileProblem;

/** A request the agent refuses: the HTTP status and the message sent back as {@code {"error": ...}}. */
final class ApiError extends Exception {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String code;
    private final transient FileProblem problem;

    ApiError(int status, String message) {
        this(status, message, null);
    }

    /**
     * @param code a machine-readable reason sent as {@code "code"} next to {@code "error"}, or {@code null}
     */
    ApiError(int status, String message, String code) {
        this(status, message, code, null);
    }

    private ApiError(int status, String message, String code, FileProblem problem) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.problem = problem;
    }

    /**
     * A file the agent cannot write or read for a cause of its file system, sent as {@code "problem":
     * problem.probeName()} (rest.bundle/PROTOCOL.md, "Errors"), with the status that cause has on the wire:
     * {@code 404} for a missing directory (what protocol 1 devices always answered), {@code 507} (Insufficient
     * Storage, RFC 4918) for no space and quota, {@code 409} (the state of the device's files) for the others.
     *
     * @param problem the cause, never {@code null}
     * @param message the sentence for the operator, naming the file and the system's own words
     */
    static ApiError file(FileProblem problem, String message) {
        int status = switch (problem) {
            case MISSING_DIRECTORY -> 404;
            case NO_SPACE, QUOTA -> 507;
            default -> 409;
        };
        return new ApiError(status, message, null, problem);
    }

    int status() {
        return status;
    }

    /** @return the machine-readable reason, or {@code null} */
    String code() {
        return code;
    }

    /** @return the file system's cause, or {@code null} when the refusal is not about a file */
    FileProblem problem() {
        return problem;
    }
}
