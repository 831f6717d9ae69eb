package io.conduit.ssh.transfer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;

import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;

/**
 * Text the user's login shell prints on start ({@code ~/.bashrc}, {@code ~/.cshrc} that echo): OpenSSH starts
 * every command and every subsystem but {@code internal-sftp} through that shell, so the text lands on the
 * channel's stdout before the program runs, where SFTP and SCP expect their first packet (OpenSSH's own sftp then
 * says "Received message too long ... Ensure the remote shell produces no output for non-interactive sessions").
 * Looked for only after a transfer failed to start: one exec channel running {@code exit 0}.
 */
final class LoginNoise {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int LIMIT = 4096;
    /** How much of the text a message quotes. */
    private static final int SHOWN = 60;

    private LoginNoise() {
    }

    /**
     * Runs {@code exit 0} through the login shell and returns what it printed on stdout.
     *
     * @param session the open session
     * @return the text, shortened and with control characters as {@code ?}; {@code null} when the shell printed
     *         nothing, or the check could not run
     */
    static String read(ClientSession session) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ChannelExec exec = session.createExecChannel("exit 0");
            try {
                exec.setOut(new OutputStream() {
                    @Override
                    public void write(int b) {
                        synchronized (out) {
                            if (out.size() < LIMIT) {
                                out.write(b);
                            }
                        }
                    }
                });
                exec.setErr(OutputStream.nullOutputStream());
                exec.open().verify(WAIT);
                exec.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), WAIT);
            } finally {
                exec.close(false);
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        String text;
        synchronized (out) {
            text = out.toString(StandardCharsets.UTF_8).strip();
        }
        if (text.isEmpty()) {
            return null;
        }
        return Scp.printable(text.length() > SHOWN ? text.substring(0, SHOWN) + "..." : text);
    }

    /**
     * The cause and the fix, for a transfer that login-shell output broke.
     *
     * @param where {@code user@host:port}
     * @param noise what {@link #read} returned
     * @return e.g. {@code the login shell of deploy on web1:22 prints text on start ("Welcome"), which breaks
     *         SFTP and SCP; ...}
     */
    static String explain(String where, String noise) {
        int at = where.indexOf('@');
        String who = at < 0 ? where : where.substring(0, at) + " on " + where.substring(at + 1);
        return "the login shell of " + who + " prints text on start (\"" + noise + "\"), which breaks SFTP and SCP;"
                + " make it print only for interactive shells (e.g. at the top of ~/.bashrc: [ -t 0 ] || return, or"
                + " case $- in *i*) ;; *) return ;; esac), or set transfer_method: pipe";
    }
}
