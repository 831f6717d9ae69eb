package io.conduit.api.connection;

/**
 * The plugin a host needs is not installed, or went away and did not come back within the wait. The message names the plugin.
 */
public class PluginGoneException extends ConnectionException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, where, and what to do about it; never a secret
     */
    public PluginGoneException(String message) {
        super(message);
    }

    /**
     * @param message what failed, where, and what to do about it; never a secret
     * @param cause the underlying failure
     */
    public PluginGoneException(String message, Throwable cause) {
        super(message, cause);
    }
}
