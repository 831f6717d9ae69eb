package io.conduit.core.connection;

import java.io.IOException;

/** Wraps a failure of {@code Connection.open}, so the runner can tell a host it could not reach. */
public final class OpenFailedException extends IOException {
    private static final long serialVersionUID = 1L;

    OpenFailedException(IOException cause) {
        super(cause.getMessage(), cause);
    }

    /** @return the plugin's exception */
    @Override
    public synchronized IOException getCause() {
        return (IOException) super.getCause();
    }
}
