package io.conduit.api.connection;

/**
 * The remote file to fetch does not exist.
 */
public class RemoteFileNotFoundException extends ConnectionException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, where, and what to do about it; never a secret
     */
    public RemoteFileNotFoundException(String message) {
        super(message);
    }

    /**
     * @param message what failed, where, and what to do about it; never a secret
     * @param cause the underlying failure
     */
    public RemoteFileNotFoundException(String message, Throwable cause) {
        super(message, cause);
    }
}
