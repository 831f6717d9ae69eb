package io.conduit.api.connection;

/**
 * The host's identity could not be verified: its key is unknown under strict checking, or differs from the recorded one. The message gives the fingerprint and where the recorded key is.
 */
public class HostKeyRejectedException extends ConnectionException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, where, and what to do about it; never a secret
     */
    public HostKeyRejectedException(String message) {
        super(message);
    }

    /**
     * @param message what failed, where, and what to do about it; never a secret
     * @param cause the underlying failure
     */
    public HostKeyRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
