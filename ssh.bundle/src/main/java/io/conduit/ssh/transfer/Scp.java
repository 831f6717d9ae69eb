package io.conduit.ssh.transfer;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;

import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;

import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ProtocolException;
import io.conduit.api.connection.RemoteFileNotFoundException;
import io.conduit.api.support.ShellCommand;

/**
 * One file each way over the SCP protocol (the host's {@code scp -t} and {@code scp -f}), on an exec channel
 * whose command line is built here with {@link ShellCommand#quotePath}. MINA's {@code ScpClient} is not used: it
 * writes the remote path into {@code scp -t -- PATH} unquoted (SSHD 2.15 {@code ScpClient.createSendCommand}),
 * so the login shell ran what a name held after {@code ;} or {@code &} and split it at spaces; and its receive
 * loop passes over the error a source sends for a missing file, so such a fetch ended "ok" with an empty file.
 *
 * <p>Only the file's bytes and a mode travel in the protocol; the name on its {@code C} line is ours (put writes
 * a temporary name) or ignored (fetch), so any name the shell can quote can be put. The remote {@code scp}
 * cannot send a name holding a line break reliably (it breaks the {@code C} line; OpenSSH 8 and later escape
 * it), so {@link #checkFetchable} refuses such a fetch first.
 */
final class Scp {
    /** How long the exec channel may take to open, and the remote scp to report its exit after the file. */
    private static final Duration CHANNEL_WAIT = Duration.ofSeconds(30);
    private static final int LINE_LIMIT = 64 * 1024;
    private static final int BUFFER = 64 * 1024;

    private Scp() {
    }

    /**
     * Refuses a remote path that SCP cannot fetch: one whose file name holds a line break.
     *
     * @param where {@code user@host:port}, for the message
     * @param remote the remote path
     * @throws ConnectionException the name holds a line break; nothing was sent
     */
    static void checkFetchable(String where, String remote) throws ConnectionException {
        if (remote.substring(remote.lastIndexOf('/') + 1).indexOf('\n') >= 0) {
            throw new ConnectionException(where + ": fetch " + printable(remote) + ": SCP cannot carry a file name"
                    + " with a line break; set transfer_method: sftp (or auto, on a host with SFTP) or pipe for this host");
        }
    }

    /**
     * Sends {@code size} bytes of {@code in} to the file {@code remote} (created or truncated by the host's
     * {@code scp -t}, which gives a new file {@code mode} less its umask).
     *
     * @param remote the remote file; its name must hold no line break (put sends a temporary name)
     * @throws ConnectionException the host's scp refused or failed (its words are quoted)
     * @throws IOException the channel failed
     */
    static void upload(ClientSession session, String where, String remote, InputStream in, long size, int mode)
            throws IOException {
        String name = remote.substring(remote.lastIndexOf('/') + 1);
        try (Channel ch = Channel.open(session, "scp -t -- " + ShellCommand.quotePath(remote))) {
            String what = "put to " + printable(remote) + " over SCP";
            ch.ack(where, what);
            ch.out.write(String.format(Locale.ROOT, "C%04o %d %s\n", mode & 07777, size, name)
                    .getBytes(StandardCharsets.UTF_8));
            ch.out.flush();
            ch.ack(where, what);
            byte[] buffer = new byte[BUFFER];
            long left = size;
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    throw new EOFException("the local file got shorter while it was sent; " + left + " bytes missing");
                }
                ch.out.write(buffer, 0, n);
                left -= n;
            }
            ch.out.write(0);
            ch.out.flush();
            ch.ack(where, what);
            ch.finish(where, what);
        }
    }

    /**
     * Reads the file {@code remote} into {@code out}.
     *
     * @return the file's permission bits as the host sent them
     * @throws RemoteFileNotFoundException the host has no such file
     * @throws ConnectionException the host's scp refused (a directory, no permission) or failed
     * @throws IOException the channel failed
     */
    static int download(ClientSession session, String where, String remote, OutputStream out) throws IOException {
        checkFetchable(where, remote);
        String what = "fetch " + printable(remote) + " over SCP";
        try (Channel ch = Channel.open(session, "scp -f -- " + ShellCommand.quotePath(remote))) {
            ch.out.write(0);
            ch.out.flush();
            while (true) {
                int type = ch.in.read();
                if (type < 0) {
                    throw ch.ended(where, what);
                }
                String line = ch.line();
                if (type == 1 || type == 2) {
                    throw refusal(where, what, remote, line);
                }
                if (type == 'T') { // times, sent with -p only; not asked for, but harmless
                    ch.out.write(0);
                    ch.out.flush();
                    continue;
                }
                if (type != 'C') {
                    throw new ProtocolException(where + ": " + what + ": the host's scp sent \""
                            + printable((char) type + line) + "\" where a file was expected");
                }
                String[] f = line.split(" ", 3);
                int mode;
                long size;
                try {
                    mode = Integer.parseInt(f[0], 8) & 07777;
                    size = Long.parseLong(f[1]);
                } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                    throw new ProtocolException(where + ": " + what + ": the host's scp sent a malformed header \"C"
                            + printable(line) + "\"");
                }
                ch.out.write(0);
                ch.out.flush();
                byte[] buffer = new byte[BUFFER];
                for (long left = size; left > 0;) {
                    int n = ch.in.read(buffer, 0, (int) Math.min(buffer.length, left));
                    if (n < 0) {
                        throw ch.ended(where, what);
                    }
                    out.write(buffer, 0, n);
                    left -= n;
                }
                ch.ack(where, what);
                ch.out.write(0);
                ch.out.flush();
                ch.finish(where, what);
                return mode;
            }
        }
    }

    private static IOException refusal(String where, String what, String remote, String said) {
        String text = printable(said.strip());
        if (said.toLowerCase(Locale.ROOT).contains("no such file")) {
            return new RemoteFileNotFoundException(where + ": " + what + ": no such file " + printable(remote)
                    + " on the host (" + text + "); check the path");
        }
        if (said.toLowerCase(Locale.ROOT).contains("not a regular file")) {
            return new ConnectionException(where + ": " + what + ": it is a directory or not a regular file ("
                    + text + "); fetch copies single files");
        }
        return new ConnectionException(where + ": " + what + " failed: the host's scp said \"" + text + "\"");
    }

    /** A path or the host's words in a message: line breaks and other control characters shown as {@code ?}. */
    static String printable(String text) {
        return text.replaceAll("\\p{Cntrl}", "?");
    }

    /** The exec channel running the host's scp: its stdout ({@code in}), stdin ({@code out}) and stderr. */
    private static final class Channel implements AutoCloseable {
        final ChannelExec exec;
        final InputStream in;
        final OutputStream out;
        private final ByteArrayOutputStream err;

        private Channel(ChannelExec exec, ByteArrayOutputStream err) {
            this.exec = exec;
            this.in = exec.getInvertedOut();
            this.out = exec.getInvertedIn();
            this.err = err;
        }

        static Channel open(ClientSession session, String command) throws IOException {
            ChannelExec exec = session.createExecChannel(command);
            Channel ch = null;
            try {
                ByteArrayOutputStream err = new ByteArrayOutputStream();
                exec.setErr(new OutputStream() { // the host's complaints, kept short for messages
                    @Override
                    public void write(int b) {
                        synchronized (err) {
                            if (err.size() < LINE_LIMIT) {
                                err.write(b);
                            }
                        }
                    }

                    @Override
                    public void write(byte[] b, int off, int len) {
                        synchronized (err) {
                            err.write(b, off, Math.max(0, Math.min(len, LINE_LIMIT - err.size())));
                        }
                    }
                });
                exec.open().verify(CHANNEL_WAIT);
                ch = new Channel(exec, err);
                return ch;
            } finally {
                if (ch == null) {
                    exec.close(true);
                }
            }
        }

        /** Reads one status byte: 0 goes on, 1 and 2 carry the host's error line. */
        void ack(String where, String what) throws IOException {
            int b = in.read();
            if (b == 0) {
                return;
            }
            if (b < 0) {
                throw ended(where, what);
            }
            String said = line();
            if (b == 1 || b == 2) {
                throw new ConnectionException(where + ": " + what + " failed: the host's scp said \""
                        + printable(said.strip()) + "\"");
            }
            throw new ProtocolException(where + ": " + what + ": the host's scp answered \""
                    + printable((char) b + said) + "\" instead of a status");
        }

        /** Reads up to the next line feed (not kept). */
        String line() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0 || line.size() >= LINE_LIMIT) {
                    break;
                }
                line.write(b);
            }
            return line.toString(StandardCharsets.UTF_8);
        }

        /** The protocol is done: ends the host's scp and checks its exit status. */
        void finish(String where, String what) throws IOException {
            out.close();
            exec.waitFor(EnumSet.of(ClientChannelEvent.CLOSED, ClientChannelEvent.EXIT_STATUS), CHANNEL_WAIT);
            Integer status = exec.getExitStatus();
            if (status != null && status != 0) {
                throw new ConnectionException(where + ": " + what + " failed: the host's scp exited with " + status
                        + stderr());
            }
        }

        /** The host's scp ended before the protocol did (not installed, killed): says what is known. */
        IOException ended(String where, String what) {
            exec.waitFor(EnumSet.of(ClientChannelEvent.CLOSED, ClientChannelEvent.EXIT_STATUS), CHANNEL_WAIT);
            Integer status = exec.getExitStatus();
            String hint = status != null && status == 127 ? "; install scp on the host or set transfer_method: sftp"
                    : "";
            return new ConnectionException(where + ": " + what + " failed: the host's scp ended early"
                    + (status == null ? "" : " with exit status " + status) + stderr() + hint);
        }

        private String stderr() {
            String text;
            synchronized (err) {
                text = err.toString(StandardCharsets.UTF_8).strip();
            }
            return text.isEmpty() ? "" : " (" + printable(text) + ")";
        }

        @Override
        public void close() {
            exec.close(false);
        }
    }
}
