package io.conduit.api.connection;

import java.util.Objects;

/**
 * Privilege escalation for a {@link Command}: run it as another user through {@code sudo} or {@code su}.
 * The password never goes on a command line: {@code io.conduit.api.support.WrappedCommand} writes it on standard input
 * only when the tool prompts for it.
 *
 * @param method how to escalate
 * @param user the user to become, {@code root} when {@code null}
 * @param password the password the method asks for, or {@code null}: then a prompt fails the command at once
 */
public record Become(Method method, String user, Secret password) {

    /** The escalation tools Conduit knows how to drive. */
    public enum Method {
        /** {@code sudo -S -p PROMPT}: prompts with a random marker and reads the password from standard input. */
        SUDO,
        /** {@code su}: prompts with its own (localized) prompt; reads the password from standard input (PAM). */
        SU
    }

    /** Defaults the user to {@code root}. */
    public Become {
        Objects.requireNonNull(method, "method");
        user = user == null || user.isBlank() ? "root" : user;
    }

    /**
     * Sudo to a user.
     *
     * @param user the user, {@code root} when {@code null}
     * @param password the sudo password, or {@code null} for NOPASSWD sudo
     * @return the become settings
     */
    public static Become sudo(String user, Secret password) {
        return new Become(Method.SUDO, user, password);
    }
}
