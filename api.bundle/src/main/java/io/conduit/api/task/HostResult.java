package io.conduit.api.task;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

import io.conduit.api.connection.ExecResult;

/**
 * What a task did on one host: how it ended, and what its command did ({@link ExecResult}: the output kept, cut
 * and dropped; its exit code when the command ran to its end).
 *
 * @param host the host's inventory name
 * @param status how it ended
 * @param exec the command's output, never {@code null} (empty when no command ran or the task printed nothing);
 *        its exit code counts only when {@code exited}
 * @param exited whether a command ran to its end, so that {@code exec.exitCode()} is its exit status
 * @param error what went wrong, for {@link Status#FAILED} and {@link Status#UNREACHABLE}; why the task did not run,
 *        for {@link Status#SKIPPED} (check mode, a failure policy's limit, run once); otherwise {@code null}, or a
 *        note on how it went (a {@link FailurePolicy}'s {@code after N tries}). Since 1.5 for the last two
 * @param duration how long the host took, connecting included (the command's own time is
 *        {@code exec.duration()})
 * @since 1.4 (the result holds the {@link ExecResult}; the copies of its fields are deprecated)
 */
public record HostResult(String host, Status status, ExecResult exec, boolean exited, String error,
        Duration duration) {

    private static final ExecResult NO_OUTPUT = new ExecResult(0, null, null, null, false, false);

    /** Checks host and status; no output is an empty {@link ExecResult}, no duration zero. */
    public HostResult {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(status, "status");
        exec = exec == null ? NO_OUTPUT : exec;
        duration = duration == null ? Duration.ZERO : duration;
    }

    /**
     * A result with every field given, as API 1.2 spelled it.
     *
     * @param host the host's inventory name
     * @param status how it ended
     * @param exitCode the command's exit code, or {@code null} when no command ran to its end
     * @param stdout standard output kept (up to the run's output limit)
     * @param stderr standard error kept
     * @param stdoutTruncated whether stdout was cut at the limit
     * @param stderrTruncated whether stderr was cut at the limit
     * @param error what went wrong, or {@code null}
     * @param duration how long the host took, connecting included
     * @param stdoutDropped bytes of stdout dropped at the limit ({@link ExecResult#UNCOUNTED}: not counted)
     * @param stderrDropped the same for stderr
     * @deprecated build the {@link ExecResult} and use the canonical constructor
     */
    @Deprecated
    public HostResult(String host, Status status, Integer exitCode, byte[] stdout, byte[] stderr,
            boolean stdoutTruncated, boolean stderrTruncated, String error, Duration duration, long stdoutDropped,
            long stderrDropped) {
        this(host, status, new ExecResult(exitCode == null ? 0 : exitCode, stdout, stderr, duration,
                stdoutTruncated, stderrTruncated, stdoutDropped, stderrDropped), exitCode != null, error, duration);
    }

    /**
     * A result whose truncated streams are {@link ExecResult#UNCOUNTED} (the constructor of API 1.1).
     *
     * @param host the host's inventory name
     * @param status how it ended
     * @param exitCode the exit code, or {@code null}
     * @param stdout standard output kept
     * @param stderr standard error kept
     * @param stdoutTruncated whether stdout was cut
     * @param stderrTruncated whether stderr was cut
     * @param error what went wrong, or {@code null}
     * @param duration how long the host took
     * @deprecated build the {@link ExecResult} and use the canonical constructor
     */
    @Deprecated
    public HostResult(String host, Status status, Integer exitCode, byte[] stdout, byte[] stderr,
            boolean stdoutTruncated, boolean stderrTruncated, String error, Duration duration) {
        this(host, status, exitCode, stdout, stderr, stdoutTruncated, stderrTruncated, error, duration, 0, 0);
    }

    /**
     * A result without output.
     *
     * @param host the host
     * @param status how it ended
     * @param error what went wrong, or {@code null}
     * @return the result
     */
    public static HostResult of(String host, Status status, String error) {
        return new HostResult(host, status, null, false, error, null);
    }

    /**
     * A result of a task that ran no command of its own and reports in lines of text (ping, put, fetch).
     *
     * @param host the host
     * @param status how it ended
     * @param text what it reports, shown as its standard output
     * @return the result, without an exit code
     * @since 1.4
     */
    public static HostResult text(String host, Status status, String text) {
        return new HostResult(host, status, new ExecResult(0, text.getBytes(StandardCharsets.UTF_8), null, null,
                false, false), false, null, null);
    }

    /**
     * The result of a command: {@link Status#OK} when the exit code is a success code, else {@link Status#FAILED}
     * with an error naming the exit code.
     *
     * @param host the host
     * @param exec what the command did
     * @param success whether its exit code means success
     * @return the result
     */
    public static HostResult fromExec(String host, ExecResult exec, boolean success) {
        return new HostResult(host, success ? Status.OK : Status.FAILED, exec, true,
                success ? null : "exit code " + exec.exitCode(), exec.duration());
    }

    /**
     * A failure that keeps the output read before it (a command stopped at a deadline or by an interrupt).
     *
     * @param host the host
     * @param error what went wrong
     * @param partial the output read until then, or {@code null} for none
     * @return a {@link Status#FAILED} result without an exit code
     */
    public static HostResult failed(String host, String error, ExecResult partial) {
        return new HostResult(host, Status.FAILED, partial, false, error,
                partial == null ? null : partial.duration());
    }

    /** @param took how long the host took @return a copy with that duration */
    public HostResult withDuration(Duration took) {
        return new HostResult(host, status, exec, exited, error, took);
    }

    /**
     * @param output the output in place of this one's (masked, say); its exit code is the result's only when this
     *        one's command ran to its end
     * @param message the error in place of this one's
     * @return a copy with them
     * @since 1.4
     */
    public HostResult with(ExecResult output, String message) {
        return new HostResult(host, status, output, exited, message, duration);
    }

    /** @return the command's exit code, or {@code null} when no command ran to its end */
    public Integer exitCode() {
        return exited ? exec.exitCode() : null;
    }

    /**
     * @return a copy of stdout
     * @deprecated {@code exec().stdout()}
     */
    @Deprecated
    public byte[] stdout() {
        return exec.stdout();
    }

    /**
     * @return a copy of stderr
     * @deprecated {@code exec().stderr()}
     */
    @Deprecated
    public byte[] stderr() {
        return exec.stderr();
    }

    /**
     * @return whether stdout was cut at the limit
     * @deprecated {@code exec().stdoutTruncated()}
     */
    @Deprecated
    public boolean stdoutTruncated() {
        return exec.stdoutTruncated();
    }

    /**
     * @return whether stderr was cut at the limit
     * @deprecated {@code exec().stderrTruncated()}
     */
    @Deprecated
    public boolean stderrTruncated() {
        return exec.stderrTruncated();
    }

    /**
     * @return bytes of stdout dropped: 0, a count, or {@link ExecResult#UNCOUNTED}
     * @deprecated {@code exec().stdoutDropped()}
     */
    @Deprecated
    public long stdoutDropped() {
        return exec.stdoutDropped();
    }

    /**
     * @return bytes of stderr dropped: 0, a count, or {@link ExecResult#UNCOUNTED}
     * @deprecated {@code exec().stderrDropped()}
     */
    @Deprecated
    public long stderrDropped() {
        return exec.stderrDropped();
    }

    /** @return stdout as UTF-8 text (malformed bytes replaced by U+FFFD; the bytes are in {@link #exec()}) */
    public String stdoutText() {
        return exec.stdoutText();
    }

    /** @return stderr as UTF-8 text (malformed bytes replaced by U+FFFD; the bytes are in {@link #exec()}) */
    public String stderrText() {
        return exec.stderrText();
    }

    @Override
    public String toString() {
        return "HostResult[" + host + " " + status + (exitCode() != null ? " rc=" + exitCode() : "")
                + (error != null ? " " + error : "") + "]";
    }
}
