package io.conduit.api.connection;

/**
 * The host refused the credentials (password, key, token), or no credential was available. The message names what was tried, never its value.
 */
public class AuthenticationFailedException extends ConnectionException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, where, and what to do about it; never a secret
     */
    public AuthenticationFailedException(String message) {
        super(message);
    }

    /**
     * @param message what failed, where, and what to do about it; never a secret
     * @param cause the underlying failure
     */
    public AuthenticationFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
