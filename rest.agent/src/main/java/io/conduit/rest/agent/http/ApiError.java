package io.conduit.rest.agent.http;

/** A request the agent refuses: the HTTP status and the message sent back as {@code {"error": ...}}. */
final class ApiError extends Exception {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String code;

    ApiError(int status, String message) {
        this(status, message, null);
    }

    /**
     * @param code a machine-readable reason sent as {@code "code"} next to {@code "error"}, or {@code null}
     */
    ApiError(int status, String message, String code) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    int status() {
        return status;
    }

    /** @return the machine-readable reason, or {@code null} */
    String code() {
        return code;
    }
}
