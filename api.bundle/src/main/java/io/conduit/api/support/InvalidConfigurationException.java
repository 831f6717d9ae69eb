package io.conduit.api.support;

/**
 * A component was asked to work while its configuration ({@code etc/PID.cfg}) is invalid. The message names the
 * PID, the key, the value and what to do; a shell reports it as bad input (exit status 64), not as a fault.
 */
public final class InvalidConfigurationException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /** @param message {@code configuration PID is invalid (...): PID: KEY: "VALUE" is not ...; fix etc/PID.cfg} */
    public InvalidConfigurationException(String message) {
        super(message);
    }
}
