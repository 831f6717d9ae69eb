package io.conduit.ssh.transfer;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Locale;

import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;

import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ProtocolException;
import io.conduit.api.support.ShellCommand;

/**
 * One file each way through a command on an exec channel ({@code transfer_method: pipe}, as Ansible's piped
 * transfers): needs a POSIX {@code sh}, {@code cat}, {@code wc}, {@code chmod} and {@code mv} on the host, and
 * {@code sha256sum} when the transfer is verified. Every path is an argument of {@code sh -c SCRIPT}, quoted with
 * {@link ShellCommand#quotePath}, so any name the file system takes travels (a line break too).
 *
 * <p>What a login shell prints on start (a {@code ~/.bashrc} that echoes) arrives on the channel's stdout before
 * the script runs. A put sends the bytes on stdin and reads nothing from stdout; a fetch frames the file: the
 * script prints a random marker with the size and mode, the bytes, then the marker again with the sha256 when
 * asked, and only the bytes between are kept, exactly as many as the header says. A file that changed while it
 * was read breaks the frame and fails the fetch.
 */
final class Pipe {
    /** Exit status of the put script when the target is a directory. */
    static final int IS_A_DIRECTORY = 21;
    /** Exit status of the put script when fewer bytes arrived than were sent (the link broke). */
    static final int SHORT = 22;
    /** Exit status of the put script when the host has no sha256sum and the transfer must be verified. */
    static final int NO_SHA256SUM = 23;
    /** Exit status of the put script when the sha256 of what arrived differs. */
    static final int MISMATCH = 24;

    /**
     * {@code sh -c PUT conduit-pipe TMP TARGET MODE SIZE SHA256|-}: writes stdin to TMP (created 0600), checks
     * its size (and sha256), sets the mode, renames it over TARGET; removes TMP on every failure.
     */
    private static final String PUT = String.join("\n",
            "t=$1 f=$2 m=$3 n=$4 h=$5",
            "[ -d \"$f\" ] && exit 21",
            "umask 077",
            "cat > \"$t\" || { rm -f \"$t\"; exit 1; }",
            "s=$(wc -c < \"$t\") || { rm -f \"$t\"; exit 1; }",
            // $((s)): BSD wc pads the count with blanks
            "[ $((s)) -eq \"$n\" ] || { rm -f \"$t\"; echo \"received $((s)) of $n bytes\" >&2; exit 22; }",
            "if [ \"$h\" != - ]; then",
            "  command -v sha256sum >/dev/null 2>&1 || { rm -f \"$t\"; exit 23; }",
            "  a=$(sha256sum < \"$t\") || { rm -f \"$t\"; exit 23; }",
            "  [ \"${a%% *}\" = \"$h\" ] || { rm -f \"$t\"; echo \"${a%% *}\" >&2; exit 24; }",
            "fi",
            "chmod \"$m\" \"$t\" && mv -f \"$t\" \"$f\" || { rm -f \"$t\"; exit 1; }");

    /**
     * {@code sh -c FETCH conduit-pipe PATH MARKER 1|0}: {@code MARKER SIZE MODE}, the bytes, {@code MARKER end
     * SHA256|-}; or {@code MARKER missing|directory|denied}.
     */
    private static final String FETCH = String.join("\n",
            "f=$1 k=$2 v=$3",
            "if [ -d \"$f\" ]; then echo \"$k directory\"; exit 0; fi",
            "if [ ! -e \"$f\" ]; then echo \"$k missing\"; exit 0; fi",
            "if [ ! -r \"$f\" ]; then echo \"$k denied\"; exit 0; fi",
            "m=$(stat -c %a \"$f\" 2>/dev/null) || m=-",
            "n=$(wc -c < \"$f\") || exit 1",
            "printf '%s %s %s\\n' \"$k\" $n \"${m:--}\"",
            "cat \"$f\" || exit 1",
            "h=-; if [ \"$v\" = 1 ]; then h=$(sha256sum < \"$f\") && h=${h%% *} || h=-; fi",
            "printf '%s end %s\\n' \"$k\" \"$h\"");

    /** How long the host may take after the last byte (sha256sum, chmod, mv; or to start the script). */
    private static final Duration FINISH_WAIT = Duration.ofMinutes(10);
    private static final Duration OPEN_WAIT = Duration.ofSeconds(30);
    /** At most this much login-shell output is skipped before the fetch's header; more is not a shell's greeting. */
    private static final int NOISE_LIMIT = 256 * 1024;
    private static final int ERR_LIMIT = 16 * 1024;
    private static final int BUFFER = 64 * 1024;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Pipe() {
    }

    /**
     * How a put ended on the host.
     *
     * @param exit the script's exit status ({@code -1} when none arrived)
     * @param stderr what it printed on stderr (errno texts of cat, mv; the login shell's, if any)
     */
    record Put(int exit, String stderr) {
    }

    /**
     * What a fetch found.
     *
     * @param mode the file's permission bits, or {@code -1} when the host's stat could not say
     * @param sha256 the host's sha256 of the file (lower-case hex) when asked for and available, else {@code null}
     * @param noise what the login shell printed before the script, for messages (empty when nothing)
     */
    record Fetched(int mode, String sha256, String noise) {
    }

    /**
     * Sends {@code size} bytes of {@code in} to {@code tmp} and renames it over {@code target}.
     *
     * @param sha256 the sha256 the host must find before the rename, or {@code null} to check the size only
     * @return how the script ended; 0 means the target holds the file with {@code mode}
     * @throws IOException the channel failed before the script said how it ended
     */
    static Put upload(ClientSession session, String tmp, String target, InputStream in, long size, int mode,
            String sha256) throws IOException {
        String line = "sh -c " + ShellCommand.quote(PUT) + " conduit-pipe " + ShellCommand.quotePath(tmp) + " "
                + ShellCommand.quotePath(target) + " " + Integer.toOctalString(mode & 07777) + " " + size + " "
                + (sha256 == null ? "-" : sha256);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ChannelExec exec = session.createExecChannel(line);
        try {
            exec.setOut(OutputStream.nullOutputStream()); // the login shell's greeting, if any: not ours
            exec.setErr(limited(err));
            exec.open().verify(OPEN_WAIT);
            IOException broken = null;
            try (OutputStream out = exec.getInvertedIn()) {
                byte[] buffer = new byte[BUFFER];
                long left = size;
                while (left > 0) {
                    int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                    if (n < 0) {
                        throw new EOFException("the local file got shorter while it was sent; " + left
                                + " bytes missing");
                    }
                    out.write(buffer, 0, n);
                    left -= n;
                }
                out.flush();
            } catch (EOFException e) {
                throw e;
            } catch (IOException e) {
                broken = e; // the script may have ended early (a write error): its status says why
            }
            exec.waitFor(EnumSet.of(ClientChannelEvent.CLOSED, ClientChannelEvent.EXIT_STATUS), broken == null
                    ? FINISH_WAIT : OPEN_WAIT);
            Integer status = exec.getExitStatus();
            if (status == null) {
                if (broken != null) {
                    throw broken;
                }
                return new Put(-1, text(err));
            }
            return new Put(status, text(err));
        } finally {
            exec.close(false);
        }
    }

    /**
     * Reads {@code remote} into {@code out}, keeping only the framed bytes.
     *
     * @param hash ask the host for the file's sha256 (after the bytes)
     * @return the mode, the host's sha256 and the login noise seen
     * @throws io.conduit.api.connection.RemoteFileNotFoundException no such file
     * @throws ConnectionException it is a directory, or unreadable, or the frame broke (the file changed)
     * @throws IOException the channel failed
     */
    static Fetched download(ClientSession session, String where, String remote, OutputStream out, boolean hash,
            Failures failures) throws IOException {
        byte[] bytes = new byte[8];
        RANDOM.nextBytes(bytes);
        String marker = "conduit-" + HexFormat.of().formatHex(bytes);
        String line = "sh -c " + ShellCommand.quote(FETCH) + " conduit-pipe " + ShellCommand.quotePath(remote) + " "
                + marker + " " + (hash ? 1 : 0);
        String what = "fetch " + Scp.printable(remote) + " over a pipe";
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ChannelExec exec = session.createExecChannel(line);
        try {
            exec.setErr(limited(err));
            exec.open().verify(OPEN_WAIT);
            InputStream in = exec.getInvertedOut();
            byte[] mark = marker.getBytes(StandardCharsets.US_ASCII);
            ByteArrayOutputStream noise = new ByteArrayOutputStream();
            if (!skipTo(in, mark, noise)) {
                exec.waitFor(EnumSet.of(ClientChannelEvent.CLOSED, ClientChannelEvent.EXIT_STATUS), OPEN_WAIT);
                throw new ConnectionException(where + ": " + what + " failed: the host's sh ended without"
                        + " sending the file" + status(exec) + stderr(err) + "; check that sh, cat and wc exist"
                        + " there");
            }
            String[] header = readLine(in).strip().split("\\s+");
            String shown = Scp.printable(noise.toString(StandardCharsets.UTF_8));
            switch (header[0]) {
                case "missing" -> throw failures.missing();
                case "directory" -> throw failures.directory();
                case "denied" -> throw failures.denied();
                default -> {
                }
            }
            long size;
            int mode;
            try {
                size = Long.parseLong(header[0]);
                mode = header.length > 1 && !header[1].equals("-") ? Integer.parseInt(header[1], 8) & 07777 : -1;
            } catch (NumberFormatException e) {
                throw new ProtocolException(where + ": " + what + ": the host's sh sent \"" + Scp.printable(String
                        .join(" ", header)) + "\" where the size was expected");
            }
            byte[] buffer = new byte[BUFFER];
            for (long left = size; left > 0;) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    throw new ConnectionException(where + ": " + what + " failed: the file ended " + left
                            + " bytes early (it shrank while it was read, or the connection broke)");
                }
                out.write(buffer, 0, n);
                left -= n;
            }
            byte[] trailer = in.readNBytes(mark.length + 5);
            String end = marker + " end ";
            if (!new String(trailer, StandardCharsets.US_ASCII).equals(end)) {
                throw new ConnectionException(where + ": " + what + " failed: the file is longer than the "
                        + size + " bytes it had when the transfer started (it changed while it was read); fetch it"
                        + " again when it is no longer written");
            }
            String sha = readLine(in).strip();
            exec.waitFor(EnumSet.of(ClientChannelEvent.CLOSED, ClientChannelEvent.EXIT_STATUS), OPEN_WAIT);
            Integer status = exec.getExitStatus();
            if (status != null && status != 0) {
                throw new ConnectionException(where + ": " + what + " failed: the host's sh exited with " + status
                        + stderr(err));
            }
            return new Fetched(mode, sha.matches("[0-9a-fA-F]{64}") ? sha.toLowerCase(Locale.ROOT) : null,
                    shown.strip());
        } finally {
            exec.close(false);
        }
    }

    /** The fetch's refusals, built by the caller in the words every method uses. */
    interface Failures {
        /** @return no such file */
        IOException missing();

        /** @return it is a directory */
        IOException directory();

        /** @return not readable by the user */
        IOException denied();
    }

    /** Reads up to and past {@code mark}, keeping what came before (up to a limit) in {@code skipped}. */
    private static boolean skipTo(InputStream in, byte[] mark, ByteArrayOutputStream skipped) throws IOException {
        int matched = 0;
        for (long read = 0; read < NOISE_LIMIT + mark.length; read++) {
            int b = in.read();
            if (b < 0) {
                return false;
            }
            if (b == mark[matched]) {
                if (++matched == mark.length) {
                    return true;
                }
            } else {
                // the marker starts with "conduit-": a partial match restarts at most at this byte
                if (matched > 0 && skipped.size() < 4096) {
                    skipped.write(mark, 0, matched);
                }
                matched = b == mark[0] ? 1 : 0;
                if (matched == 0 && skipped.size() < 4096) {
                    skipped.write(b);
                }
            }
        }
        return false;
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b >= 0 && b != '\n' && line.size() < 4096; b = in.read()) {
            line.write(b);
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    private static String status(ChannelExec exec) {
        Integer s = exec.getExitStatus();
        return s == null ? "" : " (exit status " + s + ")";
    }

    private static String stderr(ByteArrayOutputStream err) {
        String t = text(err);
        return t.isEmpty() ? "" : " (" + Scp.printable(t) + ")";
    }

    private static String text(ByteArrayOutputStream err) {
        synchronized (err) {
            return err.toString(StandardCharsets.UTF_8).strip();
        }
    }

    private static OutputStream limited(ByteArrayOutputStream err) {
        return new OutputStream() {
            @Override
            public void write(int b) {
                synchronized (err) {
                    if (err.size() < ERR_LIMIT) {
                        err.write(b);
                    }
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (err) {
                    err.write(b, off, Math.max(0, Math.min(len, ERR_LIMIT - err.size())));
                }
            }
        };
    }
}
