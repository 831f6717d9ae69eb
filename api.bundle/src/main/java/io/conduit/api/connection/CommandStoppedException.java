package io.conduit.api.connection;

/**
 * A command was ended early by Conduit while it ran, for a reason other than its own timeout: the connection
 * was closed under it (the host's deadline, {@code disconnect}, a plugin upgrade past its drain grace, shutdown)
 * or the calling thread was interrupted (Ctrl-C). The plugin has stopped the command's processes on the host
 * and says whether the host confirmed it.
 */
public class CommandStoppedException extends ConnectionException {
    private static final long serialVersionUID = 1L;

    private final StopOutcome outcome;
    private final transient ExecResult partial;

    /**
     * @param message what was stopped and why; never a secret
     * @param outcome whether the host confirmed the stop; never {@code null}
     * @param partial the output read before the stop, or {@code null}
     */
    public CommandStoppedException(String message, StopOutcome outcome, ExecResult partial) {
        super(message);
        this.outcome = java.util.Objects.requireNonNull(outcome, "outcome");
        this.partial = partial;
    }

    /** @return whether the host confirmed that the command's processes are gone */
    public StopOutcome outcome() {
        return outcome;
    }

    /** @return the output read before the stop, or {@code null} */
    public ExecResult partial() {
        return partial;
    }
}
