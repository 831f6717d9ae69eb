package io.conduit.api.connection;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * What a command did: its exit code and output, kept apart as bytes.
 *
 * @param exitCode the exit status ({@code 128 + N} when killed by signal N, where the protocol says so)
 * @param stdout standard output, at most the command's output limit
 * @param stderr standard error, at most the command's output limit (empty under a pty)
 * @param duration how long the command ran
 * @param stdoutTruncated whether stdout went past the limit and was cut
 * @param stderrTruncated whether stderr went past the limit and was cut
 * @param stdoutDropped bytes of stdout written past the limit and dropped: 0 when nothing was cut,
 *        {@link #UNCOUNTED} when it was cut but the plugin did not count what it dropped
 * @param stderrDropped the same for stderr
 * @since 1.2 (the dropped counts; the constructor without them leaves them uncounted)
 */
public record ExecResult(int exitCode, byte[] stdout, byte[] stderr, Duration duration, boolean stdoutTruncated,
        boolean stderrTruncated, long stdoutDropped, long stderrDropped) {

    /** A dropped count for output that was cut at the limit without counting what went past it. */
    public static final long UNCOUNTED = -1;

    /**
     * Copies the arrays in and makes flags and counts agree: a positive count means truncated; a truncated stream
     * without a positive count is {@link #UNCOUNTED}; a stream not truncated dropped 0.
     */
    public ExecResult {
        stdout = stdout == null ? new byte[0] : stdout.clone();
        stderr = stderr == null ? new byte[0] : stderr.clone();
        duration = duration == null ? Duration.ZERO : duration;
        stdoutTruncated |= stdoutDropped > 0;
        stderrTruncated |= stderrDropped > 0;
        stdoutDropped = dropped(stdoutTruncated, stdoutDropped);
        stderrDropped = dropped(stderrTruncated, stderrDropped);
    }

    /**
     * A result whose truncated streams are {@link #UNCOUNTED} (the constructor of API 1.1).
     *
     * @param exitCode the exit status
     * @param stdout standard output kept
     * @param stderr standard error kept
     * @param duration how long the command ran
     * @param stdoutTruncated whether stdout was cut
     * @param stderrTruncated whether stderr was cut
     */
    public ExecResult(int exitCode, byte[] stdout, byte[] stderr, Duration duration, boolean stdoutTruncated,
            boolean stderrTruncated) {
        this(exitCode, stdout, stderr, duration, stdoutTruncated, stderrTruncated, 0, 0);
    }

    /**
     * @param truncated whether a stream was cut
     * @param count the bytes said to be dropped
     * @return the count as stored: 0 for a stream not cut, {@link #UNCOUNTED} for one cut without a positive count
     */
    private static long dropped(boolean truncated, long count) {
        return !truncated ? 0 : count > 0 ? count : UNCOUNTED;
    }

    /**
     * Builds a result from two capped buffers.
     *
     * @param exitCode the exit status
     * @param stdout what was kept of stdout
     * @param stderr what was kept of stderr
     * @param duration how long it ran
     * @return the result
     */
    public static ExecResult of(int exitCode, OutputBuffer stdout, OutputBuffer stderr, Duration duration) {
        return new ExecResult(exitCode, stdout.toByteArray(), stderr.toByteArray(), duration, stdout.truncated(),
                stderr.truncated(), stdout.dropped(), stderr.dropped());
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

    /** @return stdout decoded as UTF-8 (malformed bytes replaced) */
    public String stdoutText() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    /** @return stderr decoded as UTF-8 (malformed bytes replaced) */
    public String stderrText() {
        return new String(stderr, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExecResult r && exitCode == r.exitCode && Arrays.equals(stdout, r.stdout)
                && Arrays.equals(stderr, r.stderr) && duration.equals(r.duration)
                && stdoutTruncated == r.stdoutTruncated && stderrTruncated == r.stderrTruncated
                && stdoutDropped == r.stdoutDropped && stderrDropped == r.stderrDropped;
    }

    @Override
    public int hashCode() {
        return Objects.hash(exitCode, Arrays.hashCode(stdout), Arrays.hashCode(stderr), duration);
    }

    @Override
    public String toString() {
        return "ExecResult[exitCode=" + exitCode + ", stdout=" + stdout.length + " bytes, stderr=" + stderr.length
                + " bytes, duration=" + duration + "]";
    }
}
