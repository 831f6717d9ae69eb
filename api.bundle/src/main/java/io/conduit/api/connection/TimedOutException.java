package io.conduit.api.connection;

import java.time.Duration;

/**
 * A deadline passed: connecting, authenticating, or a command's own timeout. Where a command timed out the
 * plugin has stopped it where the protocol allows, and may hand over the output read until then.
 */
public class TimedOutException extends ConnectionException {
    private static final long serialVersionUID = 1L;

    private final transient ExecResult partial;
    private final Duration limit;
    private final StopOutcome outcome;

    /**
     * @param message what timed out and after how long
     * @param limit the deadline that passed, or {@code null}
     */
    public TimedOutException(String message, Duration limit) {
        this(message, limit, null, null);
    }

    /**
     * @param message what timed out and after how long
     * @param limit the deadline that passed, or {@code null}
     * @param partial the output read before the deadline, or {@code null}
     * @param cause the underlying failure, or {@code null}
     */
    public TimedOutException(String message, Duration limit, ExecResult partial, Throwable cause) {
        this(message, limit, partial, null, cause);
    }

    /**
     * @param message what timed out and after how long
     * @param limit the deadline that passed, or {@code null}
     * @param partial the output read before the deadline, or {@code null}
     * @param outcome for a command that had started: whether the host confirmed its stop; {@code null} when no
     *        command had started (connect or authentication timeouts)
     * @param cause the underlying failure, or {@code null}
     */
    public TimedOutException(String message, Duration limit, ExecResult partial, StopOutcome outcome,
            Throwable cause) {
        super(message, cause);
        this.limit = limit;
        this.partial = partial;
        this.outcome = outcome;
    }

    /** @return the deadline that passed, or {@code null} when unknown */
    public Duration limit() {
        return limit;
    }

    /** @return the output read before the deadline, or {@code null} */
    public ExecResult partial() {
        return partial;
    }

    /**
     * @return for a command that had started, whether the host confirmed that it was stopped; {@code null} when
     *         the deadline passed before any command started
     */
    public StopOutcome outcome() {
        return outcome;
    }
}
