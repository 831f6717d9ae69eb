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
 */
public record ExecResult(int exitCode, byte[] stdout, byte[] stderr, Duration duration, boolean stdoutTruncated,
        boolean stderrTruncated) {

    /** Copies the arrays in. */
    public ExecResult {
        stdout = stdout == null ? new byte[0] : stdout.clone();
        stderr = stderr == null ? new byte[0] : stderr.clone();
        duration = duration == null ? Duration.ZERO : duration;
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
                stderr.truncated());
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
                && stdoutTruncated == r.stdoutTruncated && stderrTruncated == r.stderrTruncated;
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
