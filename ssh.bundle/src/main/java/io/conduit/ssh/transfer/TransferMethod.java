package io.conduit.ssh.transfer;

import java.util.Locale;

/** How files move (the option {@code transfer_method}). */
public enum TransferMethod {
    /**
     * SFTP; SCP when the server has no SFTP subsystem, the pipe when the login shell prints text on start (which
     * breaks SFTP and SCP alike). A transfer that falls back is always verified by sha256 and said in the result.
     */
    AUTO,
    /** SFTP only. */
    SFTP,
    /** SCP only. */
    SCP,
    /**
     * The file's bytes piped through a command on an exec channel (as Ansible's piped transfers): needs only a POSIX
     * sh, cat, chmod and mv on the host, carries any name, and is framed so that login-shell output never reaches a
     * fetched file.
     */
    PIPE;

    /**
     * Parses the option text.
     *
     * @param where the option or config key, for the message
     * @param text {@code auto}, {@code sftp}, {@code scp} or {@code pipe}
     * @return the method
     */
    public static TransferMethod parse(String where, String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": \"" + text
                    + "\" is not a transfer method; use auto, sftp, scp or pipe", e);
        }
    }

    /** @return the option text */
    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }
}
