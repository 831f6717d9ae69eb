package io.conduit.api.connection;

/**
 * The peer answered something the plugin cannot understand: a malformed or unexpected response. The message quotes a short excerpt.
 */
public class ProtocolException extends ConnectionException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, where, and what to do about it; never a secret
     */
    public ProtocolException(String message) {
        super(message);
    }

    /**
     * @param message what failed, where, and what to do about it; never a secret
     * @param cause the underlying failure
     */
    public ProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
