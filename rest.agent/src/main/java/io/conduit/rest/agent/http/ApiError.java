package io.conduit.rest.agent.http;

/** A request the agent refuses: the HTTP status and the message sent back as {@code {"error": ...}}. */
final class ApiError extends Exception {
    private static final long serialVersionUID = 1L;
    private final int status;

    ApiError(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    int status() {
        return status;
    }
}
