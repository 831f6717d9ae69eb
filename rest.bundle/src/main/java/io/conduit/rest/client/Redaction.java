package io.conduit.rest.client;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.Secret;

/**
 * Takes a connection's secrets out of a device's text before it goes into a message: the bearer token, and the
 * become passwords of the commands in progress (a device may echo a request back in an error).
 */
public final class Redaction {
    /** Shorter secrets are not replaced: they would blank out ordinary words of the message. */
    private static final int SHORTEST = 4;
    private final Secret token;
    /** Become passwords of the commands in progress, with a count of the commands using each. */
    private final Map<String, Integer> passwords = new ConcurrentHashMap<>();

    /** @param token the connection's token, or {@code null} */
    public Redaction(Secret token) {
        this.token = token;
    }

    /**
     * @param text a device's text
     * @return the text with each secret replaced by {@code ***}
     */
    public String redact(String text) {
        String clean = token == null || token.reveal().length() < SHORTEST ? text : text.replace(token.reveal(), "***");
        for (String password : passwords.keySet()) {
            clean = clean.replace(password, "***");
        }
        return clean;
    }

    /**
     * Starts redacting a command's become password, until {@link #release}.
     *
     * @param become the command's become, or {@code null}
     * @return the password now redacted, to give to {@link #release}; {@code null} when there is none (or it is
     *         too short to redact)
     */
    public String hold(Become become) {
        String password = become == null || become.password() == null
                || become.password().reveal().length() < SHORTEST ? null : become.password().reveal();
        if (password != null) {
            passwords.merge(password, 1, Integer::sum);
        }
        return password;
    }

    /** @param password what {@link #hold} returned; {@code null} is ignored */
    public void release(String password) {
        if (password != null) {
            passwords.computeIfPresent(password, (k, n) -> n == 1 ? null : n - 1);
        }
    }
}
