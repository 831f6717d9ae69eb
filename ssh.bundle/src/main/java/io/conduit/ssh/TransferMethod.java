package io.conduit.ssh;

import java.util.Locale;

/** How files move. */
public enum TransferMethod {
    /** SFTP, or SCP when the server has no SFTP subsystem. */
    AUTO,
    /** SFTP only. */
    SFTP,
    /** SCP only. */
    SCP;

    /**
     * Parses the option text.
     *
     * @param where the option or config key, for the message
     * @param text {@code auto}, {@code sftp} or {@code scp}
     * @return the method
     */
    public static TransferMethod parse(String where, String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": \"" + text
                    + "\" is not a transfer method; use auto, sftp or scp", e);
        }
    }

    /** @return the option text */
    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }
}
