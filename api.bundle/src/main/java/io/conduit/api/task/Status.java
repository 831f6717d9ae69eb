package io.conduit.api.task;

/** How a task ended on one host. */
public enum Status {
    /** It worked and changed nothing. */
    OK,
    /** It worked and changed something (a file written, say). */
    CHANGED,
    /** The host was reached and the task failed: non-success exit code, authentication, host key, timeout. */
    FAILED,
    /** The host could not be reached: connection refused, no route, name unknown, connect deadline passed. */
    UNREACHABLE,
    /** The task did not run on the host. */
    SKIPPED;

    /** @return {@code true} for {@link #OK} and {@link #CHANGED} */
    public boolean succeeded() {
        return this == OK || this == CHANGED;
    }
}
