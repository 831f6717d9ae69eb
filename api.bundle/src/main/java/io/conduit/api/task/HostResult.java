package io.conduit.api.task;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

import io.conduit.api.connection.ExecResult;

/**
 * What a task did on one host.
 *
 * @param host the host's inventory name
 * @param status how it ended
 * @param exitCode the command's exit code, or {@code null} when no command ran to its end
 * @param stdout standard output kept (up to the run's output limit)
 * @param stderr standard error kept
 * @param stdoutTruncated whether stdout was cut at the limit
 * @param stderrTruncated whether stderr was cut at the limit
 * @param error what went wrong, for {@link Status#FAILED} and {@link Status#UNREACHABLE}; otherwise {@code null}
 * @param duration how long the host took, connecting included
 * @param stdoutDropped bytes of stdout dropped at the limit: 0 when nothing was cut,
 *        {@link ExecResult#UNCOUNTED} when it was cut but the plugin did not count what it dropped
 * @param stderrDropped the same for stderr
 * @since 1.2 (the dropped counts; the constructor without them leaves them uncounted)
 */
public record HostResult(String host, Status status, Integer exitCode, byte[] stdout, byte[] stderr,
        boolean stdoutTruncated, boolean stderrTruncated, String error, Duration duration, long stdoutDropped,
        long stderrDropped) {

    /**
     * Checks host and status, copies the arrays, and makes flags and counts agree as {@link ExecResult} does: a
     * positive count means truncated, a truncated stream without one is {@link ExecResult#UNCOUNTED}.
     */
    public HostResult {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(status, "status");
        stdout = stdout == null ? new byte[0] : stdout.clone();
        stderr = stderr == null ? new byte[0] : stderr.clone();
        duration = duration == null ? Duration.ZERO : duration;
        stdoutTruncated |= stdoutDropped > 0;
        stderrTruncated |= stderrDropped > 0;
        stdoutDropped = !stdoutTruncated ? 0 : stdoutDropped > 0 ? stdoutDropped : ExecResult.UNCOUNTED;
        stderrDropped = !stderrTruncated ? 0 : stderrDropped > 0 ? stderrDropped : ExecResult.UNCOUNTED;
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
     */
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
        return new HostResult(host, status, null, null, null, false, false, error, null);
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
        return new HostResult(host, success ? Status.OK : Status.FAILED, exec.exitCode(), exec.stdout(),
                exec.stderr(), exec.stdoutTruncated(), exec.stderrTruncated(),
                success ? null : "exit code " + exec.exitCode(), exec.duration(), exec.stdoutDropped(),
                exec.stderrDropped());
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
        return partial == null ? of(host, Status.FAILED, error) : new HostResult(host, Status.FAILED, null,
                partial.stdout(), partial.stderr(), partial.stdoutTruncated(), partial.stderrTruncated(), error,
                partial.duration(), partial.stdoutDropped(), partial.stderrDropped());
    }

    /** @param took how long the host took @return a copy with that duration */
    public HostResult withDuration(Duration took) {
        return new HostResult(host, status, exitCode, stdout, stderr, stdoutTruncated, stderrTruncated, error, took,
                stdoutDropped, stderrDropped);
    }

    /** @return a copy of stdout */
    @Override
    public byte[] stdout() {
        return stdout.clone();
    }

    /** @return a copy of stderr */
    @Override
    public byte[] stderr() {
        return stderr.clone();
    }

    /** @return stdout as UTF-8 text (malformed bytes replaced by U+FFFD; the bytes are in {@link #stdout()}) */
    public String stdoutText() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    /** @return stderr as UTF-8 text (malformed bytes replaced by U+FFFD; the bytes are in {@link #stderr()}) */
    public String stderrText() {
        return new String(stderr, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HostResult r && host.equals(r.host) && status == r.status
                && Objects.equals(exitCode, r.exitCode) && Arrays.equals(stdout, r.stdout)
                && Arrays.equals(stderr, r.stderr) && stdoutTruncated == r.stdoutTruncated
                && stderrTruncated == r.stderrTruncated && Objects.equals(error, r.error)
                && duration.equals(r.duration) && stdoutDropped == r.stdoutDropped
                && stderrDropped == r.stderrDropped;
    }

    @Override
    public int hashCode() {
        return Objects.hash(host, status, exitCode, error);
    }

    @Override
    public String toString() {
        return "HostResult[" + host + " " + status + (exitCode != null ? " rc=" + exitCode : "")
                + (error != null ? " " + error : "") + "]";
    }
}
