package io.conduit.api.connection;

/**
 * A call on a connection that had been open found it dead before any byte of the call left for the host: the
 * server closed it (or the network dropped it) while it sat unused in the core's pool. Nothing of the call can
 * have reached the host, so the core may open a new connection and send the call once more; it does so once,
 * and only for a connection it reused (a connection opened for this very call that dies at once fails the host).
 *
 * <p>A plugin throws this only when it knows that nothing was sent: its session was found closed before it asked
 * for a channel or wrote a request, or the host refused the channel because the session was gone. A call that may
 * have reached the host (a command started, a request written, part of a file sent) must throw another
 * {@link ConnectionException}: sending it again could run a command twice. Added in package version 1.3.
 */
public class StaleConnectionException extends ConnectFailedException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed and where (shown if the second attempt fails too); never a secret
     */
    public StaleConnectionException(String message) {
        super(message);
    }

    /**
     * @param message what failed and where (shown if the second attempt fails too); never a secret
     * @param cause the underlying failure
     */
    public StaleConnectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
