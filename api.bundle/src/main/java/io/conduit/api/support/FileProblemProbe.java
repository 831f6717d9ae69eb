package io.conduit.api.support;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.FileProblem;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Finds on the host why a write to a path failed, when the protocol said only "failure" (SFTP's
 * {@code SSH_FX_FAILURE}, which OpenSSH's sftp-server answers for {@code ENOSPC}, {@code EROFS} and
 * {@code EISDIR} alike; a daemon's generic error): one short POSIX {@code sh} script, run with the connection's
 * own {@link Connection#exec}, that looks at the target and its directory without writing anything:
 * <ol>
 * <li>the target is a directory: {@link FileProblem#IS_A_DIRECTORY};</li>
 * <li>the directory is missing: {@link FileProblem#MISSING_DIRECTORY}, or {@link FileProblem#NOT_A_DIRECTORY}
 * when a part of its path is a file;</li>
 * <li>the target's name has more bytes than {@code getconf NAME_MAX} allows there: {@link FileProblem#NAME_TOO_LONG}
 * (OpenSSH's sftp-server answers {@code SSH_FX_FAILURE} for ENAMETOOLONG too; skipped without getconf);</li>
 * <li>the file system holding it is mounted {@code ro} (the longest mount point above it in {@code /proc/mounts}): {@link FileProblem#READ_ONLY};</li>
 * <li>the user may not write the directory ({@code test -w}): {@link FileProblem#PERMISSION};</li>
 * <li>fewer free bytes or inodes than the file needs ({@code df -P}, {@code df -Pi} where the host has it):
 * {@link FileProblem#NO_SPACE}.</li>
 * </ol>
 * Anything else is left unknown; the plugin then reports the protocol's own words. Every path is quoted with
 * {@link ShellCommand#quotePath}. The script runs with coreutils and with busybox.
 *
 * @since 1.3
 */
public final class FileProblemProbe {
    /** How long the probe may take on the host; it reads a few inodes and runs {@code df}. */
    public static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static final String SCRIPT = String.join("\n",
            "[ -d \"$t\" ] && { echo is-a-directory; exit 0; }",
            "case $t in */*) d=${t%/*}; d=${d:-/} ;; *) d=. ;; esac",
            "if [ ! -d \"$d\" ]; then",
            "  p=$d",
            "  while [ -n \"$p\" ] && [ \"$p\" != / ] && [ \"$p\" != . ]; do",
            "    if [ -e \"$p\" ] || [ -L \"$p\" ]; then",
            "      [ -d \"$p\" ] || { echo not-a-directory; exit 0; }",
            "      break",
            "    fi",
            "    case $p in */*) p=${p%/*} ;; *) p= ;; esac",
            "  done",
            "  echo missing-directory; exit 0",
            "fi",
            // the name is longer than the directory's file system allows (getconf is POSIX; busybox may lack it)
            "x=$(getconf NAME_MAX \"$d\" 2>/dev/null); l=$(printf %s \"${t##*/}\" | wc -c)",
            "case $x in ''|*[!0-9]*) ;; *) [ $((l)) -gt \"$x\" ] && { echo name-too-long; exit 0; } ;; esac",
            // the mount holding the directory is the longest mount point above it; /proc/mounts writes a space,
            // tab, line break and backslash in a mount point as octal escapes
            "r=$(cd -- \"$d\" 2>/dev/null && pwd -P) && [ -r /proc/mounts ] && D=$r awk '",
            "  { m = $2; gsub(/\\\\040/, \" \", m); gsub(/\\\\011/, \"\\t\", m); gsub(/\\\\012/, \"\\n\", m)",
            "    gsub(/\\\\134/, \"\\\\\", m)",
            "    if ((m == \"/\" || ENVIRON[\"D\"] == m || index(ENVIRON[\"D\"], m \"/\") == 1) && length(m) >= best) {",
            "      best = length(m); ro = ($4 ~ /(^|,)ro(,|$)/) } }",
            "  END { exit !ro }' /proc/mounts && { echo read-only; exit 0; }",
            "[ -w \"$d\" ] || { echo permission; exit 0; }",
            "a=$(df -Pk \"$d\" 2>/dev/null | awk 'NR==2 { print $4 }')",
            "case $a in ''|*[!0-9]*) ;; *) [ \"$a\" -lt $(( (n + 1023) / 1024 + 1 )) ] && { echo no-space; exit 0; }"
                    + " ;; esac",
            "i=$(df -Pi \"$d\" 2>/dev/null | awk 'NR==2 { print $4 }')",
            "[ \"$i\" = 0 ] && { echo no-space; exit 0; }",
            "echo unknown");

    private FileProblemProbe() {
    }

    /**
     * The probe for a write of {@code bytes} bytes to {@code target}.
     *
     * @param target the path that could not be written, as the host reads it (absolute, or relative to the login
     *        directory); may hold any bytes but NUL
     * @param bytes the size of the file that was being written, in bytes ({@code >= 0})
     * @return the command to run with {@link Connection#exec}; it exits 0 and prints one word
     */
    public static Command command(String target, long bytes) {
        return Command.shell("t=" + ShellCommand.quotePath(target) + "; n=" + Math.max(0, bytes) + "\n" + SCRIPT)
                .withTimeout(TIMEOUT).withOutputLimit(256);
    }

    /**
     * Reads the probe's answer.
     *
     * @param result what {@link #command} printed (its last line is the answer: text a login shell printed
     *        before it is passed over)
     * @return the cause found, or {@code null} when the probe found none (or did not run)
     */
    public static FileProblem read(ExecResult result) {
        if (result.exitCode() != 0) {
            return null;
        }
        // the last line: a login shell that prints on start (a ~/.bashrc that echoes) puts its text first
        String out = new String(result.stdout(), StandardCharsets.UTF_8).strip();
        String word = out.substring(out.lastIndexOf('\n') + 1).strip();
        for (FileProblem p : FileProblem.values()) {
            if (p.probeName().equals(word)) {
                return p;
            }
        }
        return null;
    }
}
