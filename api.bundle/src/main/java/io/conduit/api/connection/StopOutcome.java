package io.conduit.api.connection;

/**
 * What became of a command that Conduit ended early (a deadline, an interrupt, a closed connection): whether the
 * host confirmed that none of the command's processes is left.
 */
public enum StopOutcome {
    /**
     * The host reported that the command's whole process group ended (Conduit's command wrapper checked it after
     * SIGTERM and, 2 seconds later, SIGKILL).
     */
    CONFIRMED("the command was stopped on the host"),
    /**
     * A stop was sent but the host could not confirm it (the connection was lost, the protocol has no
     * confirmation, or a process ignored SIGKILL): the work may still run.
     */
    UNCONFIRMED("the command may still be running on the host (its stop could not be confirmed)");

    private final String description;

    StopOutcome(String description) {
        this.description = description;
    }

    /** @return a phrase for people, such as "the command was stopped on the host" */
    public String description() {
        return description;
    }
}
