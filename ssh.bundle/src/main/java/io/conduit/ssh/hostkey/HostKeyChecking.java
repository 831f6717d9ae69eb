package io.conduit.ssh.hostkey;

import java.util.Locale;

/** How host keys are checked against known_hosts. */
public enum HostKeyChecking {
    /** Unknown and changed keys fail the host (the default). */
    STRICT,
    /** Unknown keys are recorded in known_hosts; changed keys fail the host. */
    ACCEPT_NEW,
    /**
     * Nothing is checked, a changed key is accepted too; the connection reports it for the console
     * ({@code Connection.warnings()}) and the log warns once.
     */
    OFF;

    /**
     * Parses the option text.
     *
     * @param where the option or config key, for the message
     * @param text {@code strict}, {@code accept-new} or {@code off} (also {@code yes}/{@code no} as OpenSSH)
     * @return the mode
     */
    public static HostKeyChecking parse(String where, String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "strict", "yes", "true" -> STRICT;
            case "accept-new" -> ACCEPT_NEW;
            case "off", "no", "false" -> OFF;
            default -> throw new IllegalArgumentException(where + ": \"" + text
                    + "\" is not a host key checking mode; use strict, accept-new or off");
        };
    }

    /** @return the option text */
    public String text() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
