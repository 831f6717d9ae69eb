package io.conduit.api.connection;

import java.io.IOException;

/**
 * Root of the failures a connection plugin reports. Checked, because the caller decides per host what a
 * failure means. Messages say where, what, and what to do, and never carry a secret.
 */
public class ConnectionException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, where, and what to do about it; never a secret
     */
    public ConnectionException(String message) {
        super(message);
    }

    /**
     * @param message what failed, where, and what to do about it; never a secret
     * @param cause the underlying failure
     */
    public ConnectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
