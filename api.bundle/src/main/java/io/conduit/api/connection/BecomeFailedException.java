package io.conduit.api.connection;

/**
 * Privilege escalation ({@code sudo}, {@code su}) failed before the command started: the password was refused
 * or missing, the user may not become the target user, or the method needs a terminal. Nothing of the command
 * ran. The message quotes what the become tool said (never the password) and what to do.
 */
public class BecomeFailedException extends ConnectionException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what the become tool said and what to do; never a secret
     */
    public BecomeFailedException(String message) {
        super(message);
    }
}
