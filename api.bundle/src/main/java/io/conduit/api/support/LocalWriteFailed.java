package io.conduit.api.support;

import java.io.IOException;

/**
 * A failure of the local side of a transfer (creating, writing, moving the local copy), told apart from the
 * host's or the protocol's failures that reach the same streams and methods. Its cause is the file system's own
 * exception, which {@link io.conduit.api.connection.FileProblem#fromLocalFailure} names.
 *
 * @since 2.1.0
 */
public final class LocalWriteFailed extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * @param cause the file system's failure, not {@code null}; its message becomes this one's
     * @throws NullPointerException without a cause
     */
    public LocalWriteFailed(IOException cause) {
        super(cause.getMessage(), cause);
    }

    /** @return the file system's failure */
    @Override
    public synchronized IOException getCause() {
        return (IOException) super.getCause();
    }
}
