package io.conduit.api.connection;

/**
 * The host could not be reached: name not resolved, connection refused, no route, or the TLS handshake failed. The runner reports the host as unreachable.
 */
public class ConnectFailedException extends ConnectionException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, where, and what to do about it; never a secret
     */
    public ConnectFailedException(String message) {
        super(message);
    }

    /**
     * @param message what failed, where, and what to do about it; never a secret
     * @param cause the underlying failure
     */
    public ConnectFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
